"""Credit records and joint punishment (失信联合惩戒): dishonest entities stopped at every step.

A regulator (or a platform administrator importing a published list) records that an entity is
on a credit list (rules.md §4): judgment defaulters (失信被执行人), major tax violators, the
government-procurement serious dishonesty list (Law 77), tendering bans (Reg. 67/68), the
serious-dishonesty list, abnormal operation. The records are public events, so every node of
the network receives them through the feed and applies them (ggzy.exchange): a record made in
one city stops a bid in another.

Every action that takes part in a tender (obtaining documents, bidding, quoting, bidding at an
auction) checks the entity's records in force: a list that bars the project's domain refuses
the action; otherwise the action goes on and its event keeps the check (list, record, time) as
evidence, as 财库〔2016〕125号 asks. Whether a list bars a domain is a rule-table setting
(credit_bars_<list>, 1 bars, 0 warns), so a province can follow its own memoranda. A record
ends at its end date or when it is repaired (信用修复).
"""
