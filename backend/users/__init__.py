"""Staff administration in the product: admins and supervisors list, create, change, deactivate and reset the
accounts of their scope, one at a time or from a table (issue 16)."""
