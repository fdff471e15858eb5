"""Webhooks through the Python binding: the official test vector, the library's receiver fed
by the embedded simulator, a delivery handed in by the host's own server, registration."""

from __future__ import annotations

import time
import unittest

import support
import vmp

SECRET = "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A=="
BODY = b'{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}'
HEADERS = {
    "X-MS-Date": "Thu, 30 Mar 2023 08:38:32 GMT",
    "x-ms-content-sha256": "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=",
    "Authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
                     "agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=",
}
VECTOR = {"path_and_query": "/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63", "host": "webhook.site", "headers": HEADERS}


class VerifyTest(unittest.TestCase):
    def test_the_official_vector_verifies(self) -> None:
        vmp.verify_webhook(SECRET, body=BODY, **VECTOR)

    def test_an_altered_delivery_is_unverified_without_showing_the_secret(self) -> None:
        for secret, body, max_age in ((SECRET, BODY[:-2] + b"x}", 0), ("another", BODY, 0), (SECRET, BODY, 300)):
            with self.assertRaises(vmp.UnverifiedError) as cm:
                vmp.verify_webhook(secret, body=body, max_age=max_age, **VECTOR)
            self.assertEqual(cm.exception.status, vmp.Status.UNVERIFIED)
            self.assertNotIn(SECRET, str(cm.exception))

    def test_wrong_types_and_values_are_refused(self) -> None:
        with self.assertRaises(TypeError):
            vmp.verify_webhook(SECRET, body="not bytes", **VECTOR)  # type: ignore[arg-type]
        with self.assertRaises(vmp.InvalidArgumentError):
            vmp.verify_webhook("", body=BODY, **VECTOR)
        with self.assertRaises(vmp.InvalidArgumentError):
            vmp.verify_webhook(SECRET, body=BODY, max_age=-1, **VECTOR)


class ReceiverTest(unittest.TestCase):
    def test_the_approval_arrives_through_the_receiver(self) -> None:
        with vmp.Client({"simulator": {"approve_delay_ms": 200}, "webhooks": {"listen": "127.0.0.1:0"}}) as c:
            info = c.webhook_receiver()
            self.assertTrue(info["listening"])
            self.assertEqual(info["registration"], "ok")
            ref = c.checkout(10000, phone_number="4791234567")
            self.assertIs(c.status(ref, wait=10).state, vmp.PaymentState.AUTHORIZED)
            deadline = time.monotonic() + 10
            while c.webhook_receiver()["counters"]["accepted"] < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertGreaterEqual(c.webhook_receiver()["counters"]["accepted"], 2)
            listed = c.list_webhooks()
            self.assertEqual(len(listed), 1)
            self.assertTrue(listed[0]["secret_stored"])
            report = c.reconcile_webhooks()
            self.assertEqual((len(report["kept"]), report["registered"], report["deleted"]), (1, [], []))

    def test_a_forged_delivery_is_refused_and_counted(self) -> None:
        with vmp.Client({"webhooks": {"listen": "127.0.0.1:0"}}) as c:
            with self.assertRaises(vmp.UnverifiedError):
                c.handle_webhook(body=BODY, **VECTOR)
            self.assertEqual(c.webhook_receiver()["counters"]["rejected_by"], {"signature": 1})

    def test_registration_calls(self) -> None:
        with vmp.Client({"webhooks": {"register": False}}) as c:
            w = c.register_webhook("http://127.0.0.1:9/pos/hooks", ["epayments.payment.authorized.v1"])
            self.assertTrue(w["secret_stored"])
            self.assertEqual(w["events"], ["epayments.payment.authorized.v1"])
            self.assertNotIn("secret", [k for k in w if k != "secret_stored"])
            c.delete_webhook(w["id"])
            self.assertEqual(c.list_webhooks(), [])
            with self.assertRaises(vmp.InvalidArgumentError):
                c.register_webhook("ftp://127.0.0.1/x")
            with self.assertRaises(vmp.VmpError) as cm:
                c.delete_webhook(w["id"])
            self.assertEqual(cm.exception.status, vmp.Status.NOT_FOUND)


if __name__ == "__main__":
    unittest.main()
