"""The fake Freshsales: accounts and plans, the CRM store, timelines, the REST API and the Segment receiver."""
