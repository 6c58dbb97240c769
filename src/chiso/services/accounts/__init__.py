"""Who uses chiso: local accounts, sign-in sessions and API tokens, the actor every change is
audited under, and the e-mail digests sent to accounts."""
