"""Credit hold: rules and people put accounts on hold (the ERP blocks new orders), people release
them. Writes in `services`, reads in `selectors`, pages in `views`, the ERP's side in `api`."""
