"""carekit: the small shared package every care-network service uses.

config (settings from the environment), mongo (one client per service, own database),
events (CloudEvents envelope, outbox + relay, idempotent handlers, retries and dead letters),
logs (structured JSON logging), runner (starting a service process), testing (pytest harness).
"""
