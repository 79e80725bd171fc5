"""The matching engine: which customer and invoices a bank receipt pays, how sure, and why.

`facts` holds the plain values it reads, `book` loads them from the database once per run,
`references`, `amounts` and `payers` each weigh one kind of evidence, and `engine` adds them up
into ranked proposals.
"""
