"""Open data (开放数据): OCDS 1.1 export (ocds), import into DuckDB (store), the ggzy extension."""
