"""The Python binding against the real library and its embedded simulator: every function,
every error path, close twice, use after close, wrong types."""

from __future__ import annotations

import gc
import logging
import os
import pickle
import tempfile
import threading
import time
import unittest
import weakref
from typing import List

import simctl
import support
import vmp
from vmp import (CodeKind, EnrollmentState, LogLevel, PaymentState, QrFormat, ScanEvent, ScanSource,
                 Status)

PHONE = "4791234567"
LEGACY_QR = "https://qr.vipps.no/28/2/01/031/4791234567?v=1"
EAN13 = "7038010055720"


class InformationTest(unittest.TestCase):
    def test_the_library_is_the_version_the_binding_was_written_for(self) -> None:
        self.assertEqual(tuple(int(p) for p in vmp.version().split(".")[:2]), vmp.BINDING_VERSION)

    def test_names_of_statuses_states_and_kinds(self) -> None:
        self.assertEqual(vmp.status_str(Status.REJECTED), "VMP_ERR_REJECTED")
        self.assertEqual(vmp.status_str(9999), "VMP_ERR_UNKNOWN_STATUS")
        self.assertEqual(vmp.state_str(PaymentState.AUTHORIZED), "AUTHORIZED")
        self.assertEqual(vmp.scan_event_str(ScanEvent.CODE), "CODE")
        self.assertEqual(vmp.code_kind_str(CodeKind.EAN13), "EAN13")
        self.assertEqual(vmp.enrollment_state_str(EnrollmentState.CONSENTED), "CONSENTED")
        self.assertEqual(vmp.log_level_str(LogLevel.WARN), "WARN")

    def test_every_status_name_of_the_library_is_in_the_enum(self) -> None:
        for s in Status:
            self.assertEqual(vmp.status_str(s), "VMP_OK" if s == 0 else "VMP_ERR_" + s.name)


class PaymentTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = vmp.Client(support.FAST)
        self.addCleanup(self.client.close)

    def test_a_payment_goes_from_checkout_to_capture_refund_and_cancel(self) -> None:
        c = self.client
        ref = c.checkout(10000, phone_number=PHONE, description="Test purchase")
        p = c.status(ref, wait=10)
        self.assertIs(p.state, PaymentState.AUTHORIZED)
        self.assertEqual((p.reference, p.amount, p.currency), (ref, 10000, "NOK"))
        p = c.capture(ref, 6000, operation_id="receipt-1")
        self.assertEqual(p.captured, 6000)
        self.assertEqual(c.capture(ref, 6000, operation_id="receipt-1").captured, 6000,
                         "the same operation id again is the same capture")
        p = c.refund(ref, 1000, operation_id="return-1")
        self.assertEqual(p.refunded, 1000)
        p = c.cancel(ref)
        self.assertEqual(p.cancelled, 4000)
        record = simctl.payment(c.simulator_url, ref)
        self.assertEqual(simctl.aggregate(record, "capturedAmount"), 6000)
        self.assertEqual(simctl.aggregate(record, "refundedAmount"), 1000)

    def test_a_payment_has_its_psp_reference_times_and_event_log(self) -> None:
        c = self.client
        ref = c.checkout(2000, phone_number=PHONE)
        p = c.status(ref, wait=10)
        self.assertIs(p.state, PaymentState.AUTHORIZED)
        self.assertTrue(p.psp_reference)
        self.assertIsNotNone(p.created_at)
        self.assertIsNotNone(p.last_changed)
        self.assertLessEqual(p.created_at, p.last_changed)
        events = c.payment_events(ref)
        self.assertEqual([e["name"] for e in events][:2], ["CREATED", "AUTHORIZED"])
        self.assertEqual(events[0]["amount"], {"currency": "NOK", "value": 2000})
        with self.assertRaises(vmp.VmpError) as cm:
            c.payment_events("py-no-such-payment-1")
        self.assertEqual(cm.exception.status, Status.NOT_FOUND)

    def test_the_checkout_fields_a_till_sets_reach_vipps(self) -> None:
        c = self.client
        ref = c.checkout(1500, phone_number=PHONE, customer_interaction="CUSTOMER_NOT_PRESENT",
                         minimum_user_age=18, profile_scopes=["name"], receipt_url="https://shop.example/r/1",
                         metadata={"order": "py-1"}, extra={"industryData": {}})
        record = simctl.payment(c.simulator_url, ref)
        self.assertEqual(record["customerInteraction"], "CUSTOMER_NOT_PRESENT")
        self.assertEqual((record["minimumUserAge"], record["profileScope"], record["metadata"]),
                         (18, "name", {"order": "py-1"}))
        with self.assertRaises(vmp.InvalidArgumentError) as cm:
            c.checkout(1500, phone_number=PHONE, extra={"reference": "py-other-ref-1"})
        self.assertIn("extra.reference", cm.exception.detail)

    def test_a_declined_sale_repeated_is_its_next_attempt(self) -> None:
        c = self.client
        ref = c.checkout(1000, phone_number="4790000001", reference="py-attempt-sale-1")
        self.assertIs(c.status(ref, wait=10).state, PaymentState.ABORTED)
        self.assertEqual(c.checkout(1000, phone_number="4790000001", reference="py-attempt-sale-1"),
                         "py-attempt-sale-1-2")

    def test_status_without_wait_answers_from_memory(self) -> None:
        ref = self.client.checkout(500, phone_number=PHONE, reference="py-status-0001")
        self.assertEqual(ref, "py-status-0001")
        self.assertIn(self.client.status(ref).state, (PaymentState.CREATED, PaymentState.AUTHORIZED))

    def test_a_transaction_only_cancel_after_approval_carries_the_payment(self) -> None:
        ref = self.client.checkout(700, phone_number=PHONE)
        self.client.status(ref, wait=10)
        with self.assertRaises(vmp.AlreadyAuthorizedError) as cm:
            self.client.cancel(ref, transaction_only=True)
        self.assertIs(cm.exception.payment.state, PaymentState.AUTHORIZED)
        self.assertEqual(cm.exception.status, Status.ALREADY_AUTHORIZED)

    def test_a_refusal_by_vipps_is_a_rejected_error_with_the_detail(self) -> None:
        with self.assertRaises(vmp.RejectedError) as cm:  # CustomerNotFoundError is one
            self.client.checkout(100, phone_number="4790000003")
        e = cm.exception
        self.assertIsInstance(e, vmp.CustomerNotFoundError)
        self.assertEqual((e.status, e.status_name), (Status.CUSTOMER_NOT_FOUND, "VMP_ERR_CUSTOMER_NOT_FOUND"))
        self.assertTrue(e.detail)
        self.assertNotIn("4790000003", str(e))

    def test_vipps_answer_is_in_the_exception_as_attributes(self) -> None:
        with self.assertRaises(vmp.CustomerNotFoundError) as cm:
            self.client.checkout(100, phone_number="4790000003")
        e = cm.exception
        self.assertEqual((e.http_status, e.vipps_error_code, e.vipps_title), (400, "7010", "Customer not found"))
        self.assertTrue(e.trace_id.startswith("00-") and e.trace_id in e.detail, e.trace_id)
        again = pickle.loads(pickle.dumps(e))
        self.assertEqual((again.vipps_error_code, again.trace_id), ("7010", e.trace_id))
        with self.assertRaises(vmp.InvalidArgumentError) as cm2:
            self.client.checkout(0, phone_number=PHONE)
        self.assertEqual((cm2.exception.http_status, cm2.exception.vipps_error_code), (0, ""),
                         "a failure vmp found itself carries no answer of Vipps")
        with self.assertRaises(vmp.VmpError) as cm3:
            self.client.capture("py-never-created-1", 100)  # a reference Vipps does not know
        self.assertEqual((cm3.exception.status, cm3.exception.http_status), (Status.NOT_FOUND, 404))

    def test_a_push_the_sales_unit_may_not_send_and_its_qr_fallback(self) -> None:
        with vmp.Client({"simulator": {"push_not_allowed": True}}) as c:
            with self.assertRaises(vmp.PushNotAllowedError) as cm:
                c.checkout(1000, phone_number=PHONE)
            self.assertEqual((cm.exception.vipps_error_code, cm.exception.reference), ("5080", None))
        with vmp.Client({"push_fallback": "qr", "simulator": {"push_not_allowed": True}}) as c:
            with self.assertRaises(vmp.PushNotAllowedError) as cm:
                c.checkout(1000, phone_number=PHONE, reference="py-fallback-1")
            ref = cm.exception.reference
            self.assertEqual(ref, "py-fallback-1-qr")
            self.assertTrue(c.checkout_qr(ref, QrFormat.URL).startswith(b"http"))
            self.assertIs(c.status(ref).state, PaymentState.CREATED)

    def test_vipps_rules_per_api_rate_limits_unit_rules_and_failure_amounts(self) -> None:
        with vmp.Client({"simulator": {"approve_delay_ms": 0, "full_capture_only": True,
                                       "failure_amounts": True}}) as c:
            ref = c.checkout(10000, phone_number=PHONE)
            self.assertIs(c.status(ref, wait=10).state, PaymentState.AUTHORIZED)
            with self.assertRaises(vmp.RejectedError) as cm:
                c.capture(ref, 1000, "part")
            self.assertEqual(cm.exception.vipps_error_code, "6140")
            c.capture(ref, 10000, "whole")
            # Rate limits per API: three refunds and a cancel after a create and a capture.
            for i in range(3):
                c.refund(ref, 100, "return-%d" % i)
            with self.assertRaises(vmp.RejectedError) as cm:
                c.refund(ref, 123, "return-123")  # a failure amount: 5100
            self.assertEqual(cm.exception.vipps_error_code, "5100")
            with self.assertRaises(vmp.RejectedError) as cm:
                c.checkout(1000, phone_number=PHONE, currency="EUR")  # a Norwegian unit
            self.assertEqual(cm.exception.vipps_error_code, "5040")
            failed = c.checkout(151, phone_number=PHONE)  # refused by the card
            self.assertIs(c.status(failed, wait=10).state, PaymentState.ABORTED)

    def test_polling_config_and_enrollment_with_partner_keys(self) -> None:
        with self.assertRaises(vmp.InvalidArgumentError):
            vmp.Client({"polling": {"interval_ms": 100}})
        with vmp.Client({"environment": "simulator", "msn": "234567", "simulator": {"approve_delay_ms": 0},
                         "polling": {"interval_ms": 2000, "first_delay_ms": 100},
                         "partner": {"client_id": "p-id", "client_secret": "p-secret",
                                     "subscription_key": "p-key"}}) as c:
            eid = c.start_enrollment("4790000011")
            self.assertIs(c.poll_enrollment(eid, wait=10).state, EnrollmentState.CONSENTED)

    def test_no_answer_is_an_unknown_outcome_that_carries_the_reference(self) -> None:
        c = self.client
        simctl.inject_fault(c.simulator_url, kind="drop_after_commit", operation="create", times=-1)
        with self.assertRaises(vmp.UnknownOutcomeError) as cm:
            c.checkout(900, phone_number=PHONE, reference="py-unknown-0900")
        simctl.call(c.simulator_url, "DELETE", "/sim/faults")
        e = cm.exception
        self.assertEqual((e.status, e.reference), (Status.UNKNOWN_OUTCOME, "py-unknown-0900"))
        self.assertEqual([o.operation for o in c.pending().open], ["create"])
        self.assertIs(c.status(e.reference, wait=10).state, PaymentState.AUTHORIZED,
                      "the payment did happen: ask for its status")

    def test_invalid_arguments_raise_invalid_argument_errors_which_are_value_errors(self) -> None:
        c = self.client
        cases = [(lambda: c.checkout(0, phone_number=PHONE), Status.INVALID_AMOUNT),
                 (lambda: c.checkout(100, phone_number="12"), Status.INVALID_CUSTOMER),
                 (lambda: c.checkout(100, phone_number=PHONE, reference="bad ref!"), Status.INVALID_REFERENCE),
                 (lambda: c.checkout(100, phone_number=PHONE, tip="x"), Status.INVALID_JSON),
                 (lambda: c.status("bad ref!"), Status.INVALID_REFERENCE),
                 (lambda: c.status("py-nothing-0001", wait=601), Status.INVALID_ARGUMENT),
                 (lambda: c.status("py-nothing-0001", wait=-1), Status.INVALID_ARGUMENT),
                 (lambda: c.capture("py-nothing-0001", -5), Status.INVALID_AMOUNT),
                 (lambda: c.submit_scan(""), Status.INVALID_ARGUMENT),
                 (lambda: c.acknowledge(""), Status.INVALID_ARGUMENT),
                 (lambda: c.checkout_qr("py-nothing-0001", QrFormat.PNG, 1), Status.INVALID_ARGUMENT),
                 (lambda: c.attach_receipt("py-nothing-0001", "{"), Status.INVALID_JSON)]
        for call, status in cases:
            with self.assertRaises(vmp.InvalidArgumentError) as cm:
                call()
            self.assertEqual(cm.exception.status, status, cm.exception)
            self.assertIsInstance(cm.exception, ValueError)
            self.assertTrue(cm.exception.detail)

    def test_an_unknown_payment_is_not_found(self) -> None:
        with self.assertRaises(vmp.VmpError) as cm:
            self.client.status("py-unknown-0001")
        self.assertEqual(cm.exception.status, Status.NOT_FOUND)

    def test_wrong_types_raise_type_errors_before_the_library_is_called(self) -> None:
        c = self.client
        for call in (lambda: c.checkout("100", phone_number=PHONE), lambda: c.checkout(1.5),
                     lambda: c.checkout(True), lambda: c.checkout(100, phone_number=4791234567),
                     lambda: c.status(b"ref"), lambda: c.status("py-x-00001", wait="1"),
                     lambda: c.capture("py-x-00001", 10.0), lambda: c.refund(None, 1),
                     lambda: c.cancel("py-x-00001", operation_id=7), lambda: c.submit_scan(None),
                     lambda: c.on_scan(42), lambda: c.on_log("x"),
                     lambda: c.loyalty_check_in(PHONE, 1), lambda: c.attach_receipt("py-x-00001", 3),
                     lambda: vmp.Client(42)):
            with self.assertRaises(TypeError):
                call()


class JournalTest(unittest.TestCase):
    def test_pending_recover_and_acknowledge(self) -> None:
        with vmp.Client(support.FAST) as c:
            simctl.inject_fault(c.simulator_url, kind="drop_after_commit", operation="create", times=-1)
            with self.assertRaises(vmp.UnknownOutcomeError) as cm:
                c.checkout(300, phone_number=PHONE)
            ref = cm.exception.reference
            [open_op] = c.pending().open
            self.assertEqual((open_op.operation, open_op.reference, open_op.state), ("create", ref, "open"))
            simctl.call(c.simulator_url, "DELETE", "/sim/faults")
            report = c.recover(wait=10)
            self.assertEqual([(o.operation, o.state) for o in report.resolved], [("create", "done")])
            self.assertEqual(report.still_open, [])
            pending = c.pending()
            self.assertEqual(pending.open, [])
            [entry] = pending.unacknowledged
            self.assertEqual((entry.operation, entry.reference, entry.amount), ("create", ref, 300))
            self.assertIsNotNone(entry.outcome)
            c.acknowledge(entry.id)
            self.assertEqual(c.pending().unacknowledged, [])
            with self.assertRaises(vmp.VmpError) as cm2:
                c.acknowledge("vmp-no-such-entry")
            self.assertEqual(cm2.exception.status, Status.NOT_FOUND)


class FindTest(unittest.TestCase):
    def test_find_by_receipt_number_and_the_days_totals(self) -> None:
        with vmp.Client(support.FAST) as c:
            receipt = {"orderLines": [{"name": "Tea", "id": "1", "totalAmount": 2500, "totalAmountExcludingTax": 2000,
                                       "totalTaxAmount": 500, "taxPercentage": 25}],
                       "bottomLine": {"currency": "NOK", "receiptNumber": "py-Z-7"}}
            ref = c.checkout(2500, phone_number=PHONE, receipt=receipt)
            c.status(ref, wait=10)
            self.assertEqual([p["reference"] for p in c.pending().uncaptured], [ref], "authorized, not captured")
            c.capture(ref, 2500)
            self.assertEqual(c.pending().uncaptured, [])
            found = c.find_payments(receipt_number="py-Z-7")
            [record] = found["payments"]
            self.assertEqual((record["reference"], record["captured"], record["state"]), (ref, 2500, "AUTHORIZED"))
            self.assertNotIn(PHONE[-6:], record["phone"], "the phone number is masked")
            self.assertEqual(found["units"], {record["msn"]: ""})
            [total] = c.payment_totals()["totals"]
            self.assertEqual((total["currency"], total["captured"], total["captures"]), ("NOK", 2500, 1))

    def test_bad_queries_get_a_clear_error(self) -> None:
        with vmp.Client(support.FAST) as c:
            for query, status in (({"referense": "x"}, Status.INVALID_JSON),
                                  ({"from": "2026-12-05T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, Status.INVALID_ARGUMENT),
                                  ({"date": "2026-12-05", "limit": 100000}, Status.INVALID_ARGUMENT),
                                  ({"source": "chain"}, Status.INVALID_ARGUMENT)):
                with self.assertRaises(vmp.VmpError, msg=str(query)) as cm:
                    c.find_payments(query)
                self.assertEqual(cm.exception.status, status, str(query))


class ScanTest(unittest.TestCase):
    def test_submitted_scans_are_pulled_in_order_and_classified(self) -> None:
        with vmp.Client(support.FAST) as c:
            self.assertIsNone(c.next_scan())
            c.submit_scan(LEGACY_QR)
            c.submit_scan(EAN13 + "\r\n")
            a, b = c.next_scan(wait=5), c.next_scan(wait=5)
            self.assertEqual((a.event, a.kind, a.source, a.text), (ScanEvent.CODE, CodeKind.VIPPS_LEGACY_QR,
                                                                   ScanSource.SUBMITTED, LEGACY_QR.encode()))
            self.assertTrue(a.kind.is_personal_qr)
            self.assertEqual((b.kind, b.code, b.sequence), (CodeKind.EAN13, EAN13, a.sequence + 1))
            self.assertIsNone(c.next_scan(wait=0.05))

    def test_a_scan_handler_runs_on_a_binding_thread_and_can_pay_with_the_code(self) -> None:
        with vmp.Client(support.FAST) as c:
            got: List[vmp.Scan] = []
            refs: List[str] = []
            threads: List[str] = []
            done = threading.Event()

            def on_scan(scan: vmp.Scan) -> None:
                threads.append(threading.current_thread().name)
                got.append(scan)
                if scan.kind.is_personal_qr:
                    refs.append(c.checkout(100, personal_qr=scan.code))
                if len(got) == 2:
                    done.set()

            c.on_scan(on_scan)
            c.submit_scan(EAN13)
            c.submit_scan(LEGACY_QR)
            self.assertTrue(done.wait(10))
            c.on_scan(None)
            self.assertEqual(threads, ["vmp-scans", "vmp-scans"])
            self.assertIs(c.status(refs[0], wait=10).state, PaymentState.AUTHORIZED)
            c.submit_scan(EAN13)
            self.assertEqual(c.next_scan(wait=5).code, EAN13, "without a handler, scans wait for next_scan")


class LogTest(unittest.TestCase):
    def test_records_reach_the_logging_module_masked(self) -> None:
        with self.assertLogs("vmp", level="DEBUG") as logs:
            with vmp.Client(support.FAST, log_level="debug") as c:
                ref = c.checkout(100, phone_number=PHONE)
                c.submit_scan(LEGACY_QR)
                c.status(ref, wait=10)
                c.capture(ref, 100)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and not any("capture of" in m for m in logs.output):
                    time.sleep(0.01)
        text = "\n".join(logs.output)
        self.assertIn("INFO:vmp:vmp %s started" % vmp.version(), text)
        self.assertIn("capture of " + ref + " done", text)
        self.assertIn("47******67", text)
        self.assertNotIn("4791234567", text)
        record = next(r for r in logs.records if "capture of" in r.getMessage())
        self.assertEqual(record.vmp_component, "payment")
        self.assertEqual(record.vmp_fields["reference"], ref)

    def test_handlers_get_log_records_on_the_binding_thread(self) -> None:
        got: List[vmp.LogRecord] = []
        names: List[str] = []
        with vmp.Client(support.FAST) as c:
            c.on_log(lambda r: (got.append(r), names.append(threading.current_thread().name)))
            ref = c.checkout(100, phone_number=PHONE)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(ref in r.message for r in got):
                time.sleep(0.01)
        self.assertTrue(any(ref in r.message and r.level is LogLevel.INFO for r in got), got)
        self.assertEqual(set(names), {"vmp-logs"})

    def test_without_the_log_thread_records_are_pulled(self) -> None:
        with vmp.Client(support.FAST, logs=False) as c:
            first = c.next_log(wait=5)
            self.assertEqual((first.component, first.level), ("journal", LogLevel.INFO))
            self.assertIsInstance(first.fields, dict)
            while c.next_log() is not None:
                pass
            self.assertIsNone(c.next_log(wait=0.05))
            # Asked of the library, not read from a record: there even without the log thread.
            self.assertTrue((c.simulator_url or "").startswith("http://127.0.0.1:"), c.simulator_url)

    def test_the_simulator_url_does_not_depend_on_the_log_level(self) -> None:
        # log_level "warn" hides the "client started" record the binding used to read it from.
        with vmp.Client(support.FAST, log_level="warn") as c:
            url = c.simulator_url
            self.assertTrue((url or "").startswith("http://127.0.0.1:"), url)
            simctl.call(url, "GET", "/sim/check-ins")  # the simulator answers there

    def test_a_client_without_an_embedded_simulator_has_no_simulator_url(self) -> None:
        # A simulator elsewhere (cmd/vmp-sim) at base_url: nothing is started and nothing sent.
        with tempfile.TemporaryDirectory() as d:
            with vmp.Client(base_url="http://127.0.0.1:9", journal_path=os.path.join(d, "till.db")) as c:
                self.assertIsNone(c.simulator_url)


class ClubTest(unittest.TestCase):
    def test_identify_check_in_enroll_and_pay(self) -> None:
        with vmp.Client(support.FAST, default_country_code="47") as c:
            self.assertEqual(c.identify_customer("+47 912 34 567"), PHONE)
            self.assertEqual(c.identify_customer("912 34 567"), PHONE)
            self.assertEqual(c.identify_customer("https://qr.vipps.no/p/sim-4790000011"), "4790000011")
            c.loyalty_check_in(PHONE, True)
            c.loyalty_check_in("4790000011", False)
            eid = c.start_enrollment("4790000011", binding_message="PY-123")
            e = c.poll_enrollment(eid, wait=10)
            self.assertIs(e.state, EnrollmentState.CONSENTED)
            self.assertIn("sub", e.profile)
            eid2 = c.start_enrollment("4790000013", check_user_exists=False)
            self.assertIs(c.poll_enrollment(eid2).state, EnrollmentState.PENDING)
            c.cancel_enrollment(eid2)
            self.assertIs(c.poll_enrollment(eid2).state, EnrollmentState.CANCELLED)
            with self.assertRaises(vmp.InvalidArgumentError):
                c.identify_customer("1")
            with self.assertRaises(vmp.VmpError) as cm:
                c.start_enrollment("4790000003")
            self.assertEqual(cm.exception.status, Status.CUSTOMER_NOT_FOUND)
            with self.assertRaises(vmp.InvalidArgumentError):
                c.poll_enrollment("no-such-enrollment")

    def test_a_qr_checkout_and_a_receipt(self) -> None:
        with vmp.Client(support.FAST) as c:
            ref = c.checkout(2500, flow="qr")
            self.assertTrue(c.checkout_qr(ref, QrFormat.URL).startswith(b"http"))
            self.assertTrue(c.checkout_qr(ref, QrFormat.SVG).lstrip().startswith(b"<"))
            self.assertEqual(c.checkout_qr(ref, QrFormat.PNG, 128)[:8], b"\x89PNG\r\n\x1a\n")
            receipt = {"orderLines": [{"name": "Coffee", "id": "1", "totalAmount": 2500,
                                       "totalAmountExcludingTax": 2000, "totalTaxAmount": 500, "taxRate": 2500}],
                       "bottomLine": {"currency": "NOK", "receiptNumber": "py-1"}}
            ref2 = c.checkout(2500, phone_number=PHONE, receipt=receipt)
            self.assertEqual(c.receipt_warnings(ref2), [])
            del receipt["orderLines"][0]["totalTaxAmount"]  # outside Vipps' schema
            with self.assertRaises(vmp.VmpError) as cm:
                c.attach_receipt(c.checkout(2500, phone_number=PHONE), receipt)
            self.assertEqual(cm.exception.status, Status.INVALID_JSON)
            self.assertIn("orderLines[0].totalTaxAmount", cm.exception.detail)

    def test_a_receipt_that_only_looks_wrong_never_blocks_the_payment(self) -> None:
        # Vipps' own in-store example: 7475 tax on 22425 at 25.50 % (vmp 0.2.0 demanded 5718).
        example = {"orderLines": [{"name": "Vipps socks", "id": "1234567890", "totalAmount": 29900,
                                   "totalAmountExcludingTax": 22425, "totalTaxAmount": 7475, "taxRate": 2550}],
                   "bottomLine": {"currency": "NOK", "posId": "pos_122"}}
        split = {"orderLines": [{"name": "Jacket", "id": "j-1", "totalAmount": 50000,
                                 "totalAmountExcludingTax": 40000, "totalTaxAmount": 10000, "taxRate": 2500}],
                 "bottomLine": {"currency": "NOK", "paymentSources": {"giftCard": 20000}}}
        with vmp.Client(support.FAST) as c:
            ref = c.checkout(29900, phone_number=PHONE, receipt=example)
            warnings = c.receipt_warnings(ref)
            self.assertEqual(len(warnings), 1)
            self.assertIn("expected 5718", warnings[0])
            self.assertEqual(c.receipt_warnings(c.checkout(30000, phone_number=PHONE, receipt=split)), [])
            after = c.checkout(29900, phone_number=PHONE)
            c.attach_receipt(after, example)
            self.assertIn("expected 5718", c.receipt_warnings(after)[0])
        with vmp.Client(support.FAST, strict_receipts=True) as strict:
            with self.assertRaises(vmp.InvalidArgumentError) as cm:
                strict.checkout(29900, phone_number=PHONE, receipt=example)
            self.assertIn("strict_receipts", cm.exception.detail)
            strict.checkout(30000, phone_number=PHONE, receipt=split)


class LifetimeTest(unittest.TestCase):
    def test_close_twice_and_use_after_close(self) -> None:
        c = vmp.Client(support.FAST)
        ref = c.checkout(100, phone_number=PHONE)
        c.close()
        c.close()
        self.assertTrue(c.closed)
        for call in (lambda: c.status(ref), lambda: c.capture(ref, 1), lambda: c.submit_scan("x"),
                     lambda: c.pending(), lambda: c.on_scan(print), lambda: c.identify_customer(PHONE)):
            with self.assertRaises(vmp.ClientClosedError) as cm:
                call()
            self.assertEqual(cm.exception.status, Status.INVALID_HANDLE)

    def test_a_with_block_closes_even_on_an_exception(self) -> None:
        with self.assertRaises(RuntimeError):
            with vmp.Client(support.FAST) as c:
                raise RuntimeError("the till crashed")
        self.assertTrue(c.closed)

    def test_close_from_another_thread_ends_a_waiting_call(self) -> None:
        c = vmp.Client(support.FAST)
        ref = c.checkout(100, phone_number="4790000004")  # waits for the control API
        errors: List[BaseException] = []

        def wait() -> None:
            try:
                c.status(ref, wait=60)
            except vmp.VmpError as e:
                errors.append(e)

        t = threading.Thread(target=wait)
        t.start()
        time.sleep(0.2)
        start = time.monotonic()
        c.close()
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertLess(time.monotonic() - start, 10)

    def test_a_forgotten_client_is_closed_by_the_garbage_collector(self) -> None:
        c = vmp.Client(support.FAST)
        threads = [t for t in threading.enumerate() if t.name == "vmp-logs"]
        ref = weakref.ref(c)
        del c
        gc.collect()
        self.assertIsNone(ref())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len([t for t in threading.enumerate() if t.name == "vmp-logs"]) >= len(threads):
            time.sleep(0.01)
        self.assertLess(len([t for t in threading.enumerate() if t.name == "vmp-logs"]), len(threads))

    def test_a_sales_unit_handle_pays_and_closes_alone(self) -> None:
        with vmp.Client(support.FAST) as c:
            with c.sales_unit("") as own:
                ref = own.checkout(100, phone_number=PHONE)
                self.assertIs(own.status(ref, wait=10).state, PaymentState.AUTHORIZED)
            self.assertTrue(own.closed)
            self.assertIs(c.status(ref).state, PaymentState.AUTHORIZED, "the client stays open")
            with self.assertRaises(vmp.InvalidArgumentError):
                c.sales_unit("no-such-store")

    def test_a_bad_config_raises_and_leaves_nothing_open(self) -> None:
        with self.assertRaises(vmp.InvalidArgumentError) as cm:
            vmp.Client({"environment": "moon"})
        self.assertEqual(cm.exception.status, Status.INVALID_CONFIG)
        with self.assertRaises(vmp.InvalidArgumentError) as cm:
            vmp.Client('{"environment": ')
        self.assertEqual(cm.exception.status, Status.INVALID_JSON)
        with self.assertRaises(vmp.InvalidArgumentError):
            vmp.Client(log_level="chatty")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    unittest.main()
