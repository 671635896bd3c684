"""Plain helpers of the reimbursement tests: in-memory stores and the events other services
send."""
