"""Keys stay with the registry and development secrets stay on developers' machines
(issue 9 §3): refusals naming the setting, the cipher suites end to end through the registry,
the lookup hash on its own key."""
import base64
import os
import re
from pathlib import Path

import pytest
import yaml

from carekit.config import (DEVELOPMENT_PII_HASH_KEY, DEVELOPMENT_PII_KEY,
                            DEVELOPMENT_PUBLIC_STREAM_KEY, ConfigError, load_settings)
from registry.pii import Vault
from registry.service import RegistryService
from registry.tests.helpers import child_payload, national_id

ROOT = Path(__file__).resolve().parents[2]
BROKER = "amqp://care-registry:s3cret-s3cret@rabbitmq:5672/care"


def fresh_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def deployed(**overrides):
    env = {"AMQP_URI": BROKER, "PII_ENCRYPTION_KEY": fresh_key(), "PII_HASH_KEY": "h" * 64,
           "PUBLIC_STREAM_KEY": "p" * 64}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


@pytest.mark.parametrize("care_env", [None, "production"])
@pytest.mark.parametrize("change, named", [
    ({"PII_ENCRYPTION_KEY": None}, "PII_ENCRYPTION_KEY"),
    ({"PII_ENCRYPTION_KEY": DEVELOPMENT_PII_KEY}, "PII_ENCRYPTION_KEY"),
    ({"PII_ENCRYPTION_KEY": fresh_key() + "," + DEVELOPMENT_PII_KEY}, "PII_ENCRYPTION_KEY"),
    ({"PII_HASH_KEY": None}, "PII_HASH_KEY"),
    ({"PII_HASH_KEY": DEVELOPMENT_PII_HASH_KEY}, "PII_HASH_KEY"),
    ({"PUBLIC_STREAM_KEY": DEVELOPMENT_PUBLIC_STREAM_KEY}, "PUBLIC_STREAM_KEY"),
    ({"AMQP_URI": None}, "AMQP_URI"),
    ({"AMQP_URI": "amqp://guest:guest@rabbitmq:5672/"}, "AMQP_URI"),
    ({"AMQP_URI": "amqp://rabbitmq:5672/"}, "AMQP_URI"),  # no credentials: guest
])
def test_outside_development_missing_or_development_secrets_refuse_to_start(
        care_env, change, named):
    env = deployed(CARE_ENV=care_env, **change)
    with pytest.raises(ConfigError) as info:
        load_settings("registry", env)
    assert named in str(info.value)
    assert "CARE_ENV" in str(info.value)  # says why development defaults do not apply
    assert load_settings("registry", deployed(CARE_ENV=care_env))["CARE_ENV"] == "production"


def test_development_and_test_get_the_development_defaults_explicitly():
    for care_env in ("development", "test"):
        config = load_settings("registry", {"CARE_ENV": care_env})
        assert config["PII_ENCRYPTION_KEY"] == DEVELOPMENT_PII_KEY
        assert config["PII_HASH_KEY"] == DEVELOPMENT_PII_HASH_KEY


def test_the_pii_keys_go_to_the_registry_alone():
    for service in ("pairing", "activities", "notifications", "reporting", "gateway"):
        config = load_settings(service, dict(deployed(), WEBHOOK_SIGNING_KEY="w" * 40))
        assert "PII_ENCRYPTION_KEY" not in config and "PII_HASH_KEY" not in config
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    holders = {name for name, spec in compose["services"].items()
               if "PII_ENCRYPTION_KEY" in (spec.get("environment") or {})
               or "PII_HASH_KEY" in (spec.get("environment") or {})}
    assert holders == {"registry"}
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert len(re.findall(r"^\s+PII_(ENCRYPTION|HASH)_KEY:", text, re.M)) == 2


def test_the_hash_has_its_own_key():
    """Rotating the encryption key keeps every hash: the unique index still holds."""
    old, new = fresh_key(), fresh_key()
    assert Vault(old, "h" * 40).hash("430124201605170131") == \
        Vault([new, old], "h" * 40).hash("430124201605170131")
    assert Vault(old, "h" * 40).hash("x") != Vault(old, "g" * 40).hash("x")


@pytest.mark.parametrize("cipher", ["fernet", "sm4-gcm"])
def test_each_cipher_suite_end_to_end_through_the_registry(run_service, rpc, make_config,
                                                           mongo_client, cipher):
    config = make_config("registry", SUBSCRIBER_MODULES="registry.service", PII_CIPHER=cipher,
                         PII_ENCRYPTION_KEY=fresh_key(), PII_HASH_KEY="k" * 48)
    run_service(RegistryService, config)
    db = mongo_client[config["MONGO_DATABASE"]]
    with rpc(config, context_data={"user_id": "tester"}) as proxy:
        registry = proxy.registry
        c = registry.create_county({"code": "430124", "name": "宁乡县"})
        t = registry.create_township({"county_id": c["id"], "code": "01", "name": "花明楼镇"})
        s = registry.register_school({"township_id": t["id"], "code": "HML-01",
                                      "name": "花明楼镇中心小学"})
        k = registry.create_class({"school_id": s["id"], "grade": 3, "number": 2})
        county = {"schools": [s], "classes": [k]}
        child = registry.register_child(child_payload(county))
        shown = registry.get_child(child["id"], {"reveal": True, "reason": "核对"})
        assert shown["national_id"] == national_id(1)
        assert shown["parents"][0]["phone"] == "13812345678"
        # the duplicate is found through the keyed hash of this suite
        with pytest.raises(Exception, match="duplicate_national_id"):
            registry.register_child(child_payload(county, name="另一个"))
    stored = db.children.find_one({"_id": child["id"]})
    token = stored["national_id"]["enc"]
    assert token.startswith("sm4:") if cipher == "sm4-gcm" else token.startswith("gAAAA")
    assert national_id(1) not in str(stored) and "13812345678" not in str(stored)
    vault = Vault(config["PII_ENCRYPTION_KEY"], config["PII_HASH_KEY"], cipher)
    assert stored["national_id_hash"] == vault.hash(national_id(1))
    assert len(stored["national_id_hash"]) == 64  # HMAC-SHA256 or HMAC-SM3, both 256 bits
    other = "sm4-gcm" if cipher == "fernet" else "fernet"
    assert stored["national_id_hash"] != vault.hash(national_id(1), other)
