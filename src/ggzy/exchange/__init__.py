"""Exchange between nodes: signed feeds, peers, replicated registry events, witnessed ledgers."""
