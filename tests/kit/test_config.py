"""Settings are read in one place; a bad one stops the start and is named."""
import subprocess
import sys

import pytest

from carekit.config import DEVELOPMENT_PII_KEY, ConfigError, load_settings


def test_defaults_suit_a_developer_machine():
    config = load_settings("registry", {"CARE_ENV": "development"})
    assert config["AMQP_URI"].startswith("amqp://")
    assert config["MONGO_DATABASE"] == "care_registry"
    assert config["PII_ENCRYPTION_KEY"] == DEVELOPMENT_PII_KEY
    assert config["SERVICE_NAME"] == "registry"


@pytest.mark.parametrize("env, named", [
    ({"AMQP_URI": "http://x"}, "AMQP_URI"),
    ({"MONGO_URI": "localhost"}, "MONGO_URI"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ({"EVENT_RETRY_DELAYS_MS": "1,x"}, "EVENT_RETRY_DELAYS_MS"),
    ({"PII_ENCRYPTION_KEY": "short"}, "PII_ENCRYPTION_KEY"),
    ({"MONGO_DATABASE": "a b"}, "MONGO_DATABASE"),
    ({"CARE_ENV": "production"}, "PII_ENCRYPTION_KEY"),
    ({}, "PII_ENCRYPTION_KEY"),  # CARE_ENV not set: no development default
])
def test_bad_or_missing_setting_is_named(env, named):
    with pytest.raises(ConfigError) as info:
        load_settings("registry", env)
    assert named in str(info.value)


def test_only_the_registry_needs_the_pii_key_in_production():
    assert "PII_ENCRYPTION_KEY" not in load_settings("pairing", {
        "CARE_ENV": "production", "PUBLIC_STREAM_KEY": "k" * 32,
        "AMQP_URI": "amqp://care-pairing:secret@rabbitmq:5672/care"})


def test_service_refuses_to_start_with_a_clear_message():
    result = subprocess.run([sys.executable, "-m", "carekit.run", "registry"],
                            env={"AMQP_URI": "nonsense", "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "AMQP_URI" in result.stderr
