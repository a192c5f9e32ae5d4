"""carekit: the small shared package every care-network service uses.

config (settings from the environment), mongo (one client per service, own database),
events (CloudEvents envelope, outbox + relay, idempotent handlers, retries and dead letters),
logs (structured JSON logging), runner (starting a service process), testing (pytest harness).
"""
import warnings

# eventlet announces its deprecation on import; nameko 2.14 needs it, and the notice
# would open every service's log
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
