"""Government procurement methods beyond tendering (非招标采购方式): their own effects.

ggzy.procurement.negotiation: competitive negotiation (竞争性谈判) and competitive
consultation (竞争性磋商), declared in ggzy.procedures.declarations.procurement_negotiation.
"""
