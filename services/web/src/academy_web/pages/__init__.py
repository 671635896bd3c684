"""The pages, one module per thing a person does: read the call, apply, follow the
application, claim costs, register a company."""
