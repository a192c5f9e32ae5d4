"""Channels behind one interface: `send(message, address)` returns when the channel has
accepted the message, or raises DeliveryError (transient: worth retrying; else permanent).

- inbox: the in-app inbox (this service's database), idempotent by notification id;
- email: SMTP (smtplib), subject = title;
- sms: a provider interface; `HttpSmsProvider` posts JSON to an SMS gateway,
  `LogSmsProvider` (the default) only logs that it would have sent (masked number);
- bot: a WeCom / DingTalk-style group robot webhook ({"msgtype": "text", ...}).

SMS and bot messages are `quiet`: held during the county's quiet hours. Addresses (phone,
e-mail, webhook) are handed in for one send and never stored here.
"""
import json
import smtplib
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Optional

from pymongo.errors import DuplicateKeyError

from carekit.logs import get_logger
from notifications import storage as st

log = get_logger(__name__)
TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    def __init__(self, code, message, transient=True):
        super().__init__("{}: {}".format(code, message))
        self.code = code
        self.transient = transient


@dataclass(frozen=True)
class Message:
    notification_id: str
    rule: str
    recipient_key: str
    title: str
    body: str
    child_id: Optional[str] = None
    created_at: float = 0.0


class Channel:
    name = None
    address = None   # what the channel needs to reach someone: "phone", "email", "webhook"
    quiet = False    # held during quiet hours

    def send(self, message, address=None):
        raise NotImplementedError


class InboxChannel(Channel):
    name = "inbox"

    def __init__(self, db):
        self.db = db

    def send(self, message, address=None):
        try:
            self.db[st.INBOX].insert_one({
                "_id": message.notification_id, "recipient_key": message.recipient_key,
                "rule": message.rule, "title": message.title, "body": message.body,
                "child_id": message.child_id, "created_at": message.created_at,
                "read": False, "read_at": None})
        except DuplicateKeyError:
            pass  # delivered before (a retry after a lost acknowledgement)


class EmailChannel(Channel):
    name = "email"
    address = "email"

    def __init__(self, host, port=25, sender="care-network@localhost.localdomain", user=None,
                 password=None, starttls=False):
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls = user, password, starttls

    def send(self, message, address=None):
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, address, message.title
        mail["Message-ID"] = "<{}@care-network>".format(
            message.notification_id.replace(">", ".").replace(" ", ""))
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError("rejected", str(exc), transient=False)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError("rejected", "{} {}".format(exc.smtp_code, exc.smtp_error),
                                transient=exc.smtp_code < 500)
        except (socket.timeout, TimeoutError) as exc:
            raise DeliveryError("timeout", str(exc))
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError("unreachable", str(exc))


def post_json(url, body, headers=None):
    """POST JSON; returns the decoded JSON answer (or {}). Raises DeliveryError."""
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode(),
                                     method="POST", headers=dict(
                                         {"Content-Type": "application/json; charset=utf-8"},
                                         **(headers or {})))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            text = response.read()
    except urllib.error.HTTPError as exc:
        transient = exc.code >= 500 or exc.code == 429
        raise DeliveryError("unreachable" if transient else "rejected",
                            "HTTP {}".format(exc.code), transient=transient)
    except (socket.timeout, TimeoutError) as exc:
        raise DeliveryError("timeout", str(exc))
    except (OSError, urllib.error.URLError) as exc:
        raise DeliveryError("unreachable", str(exc))
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


def mask(phone):
    phone = str(phone or "")
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


class LogSmsProvider:
    """The default: no SMS leaves the machine; the log says one would have."""

    def send(self, phone, text):
        log.info("sms_logged", to=mask(phone), length=len(text))


class HttpSmsProvider:
    """An SMS gateway over HTTP: POST {"to", "text", "sign"} with a bearer token; any 2xx
    answer whose JSON `code` is absent, 0 or "OK" is accepted."""

    def __init__(self, url, token=None, sign="关爱留守儿童"):
        self.url, self.token, self.sign = url, token, sign

    def send(self, phone, text):
        headers = {"Authorization": "Bearer " + self.token} if self.token else {}
        answer = post_json(self.url, {"to": phone, "text": text, "sign": self.sign}, headers)
        if answer.get("code") not in (None, 0, "0", "OK", "ok"):
            raise DeliveryError("rejected", "SMS gateway code {}".format(answer.get("code")))


class SmsChannel(Channel):
    name = "sms"
    address = "phone"
    quiet = True

    def __init__(self, provider, sign="关爱留守儿童"):
        self.provider, self.sign = provider, sign

    def send(self, message, address=None):
        self.provider.send(address, "【{}】{}".format(self.sign, message.body))


class GroupBotChannel(Channel):
    """A WeCom (企业微信) / DingTalk (钉钉) group robot: the county bureau's work group."""
    name = "bot"
    address = "webhook"
    quiet = True

    def send(self, message, address=None):
        answer = post_json(address, {"msgtype": "text", "text": {
            "content": "{}\n{}".format(message.title, message.body)}})
        if answer.get("errcode", 0) != 0:
            raise DeliveryError("rejected", "robot errcode {} {}".format(
                answer.get("errcode"), answer.get("errmsg")))


def from_config(db, config):
    """The channels a service instance has, from its settings."""
    sms_provider = (HttpSmsProvider(config["SMS_HTTP_URL"], config.get("SMS_HTTP_TOKEN"),
                                    config.get("SMS_SIGN") or "关爱留守儿童")
                    if config.get("SMS_PROVIDER") == "http" else LogSmsProvider())
    channels = {"inbox": InboxChannel(db),
                "sms": SmsChannel(sms_provider, config.get("SMS_SIGN") or "关爱留守儿童"),
                "bot": GroupBotChannel()}
    if config.get("SMTP_HOST"):
        channels["email"] = EmailChannel(config["SMTP_HOST"], config.get("SMTP_PORT") or 25,
                                         config.get("SMTP_SENDER"), config.get("SMTP_USER"),
                                         config.get("SMTP_PASSWORD"),
                                         bool(config.get("SMTP_STARTTLS")))
    return channels
