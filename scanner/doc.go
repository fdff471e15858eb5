// Package scanner reads barcode scanners on a serial port (a USB virtual COM port or a real
// RS-232 line) and turns their byte stream into classified codes.
//
// Four parts, one file each:
//
//   - port.go: the serial port behind a small Port interface (tarm/serial in production,
//     pseudo-terminals and fakes in tests). A read timeout is always set, so a blocked read
//     ends by itself and Close can stop the reader.
//   - framer.go: cuts the stream into frames at the terminator bytes, copes with frames split
//     across reads and several frames in one read, drops over-long frames and resynchronises,
//     and drops (or flushes) partial frames after the inter-byte timeout.
//   - scan.go, aim.go, classify.go: strip the configured prefix and the AIM symbology
//     identifier, then classify the code (Vipps personal QR in its legacy and tokenised forms,
//     other personal QRs, EAN-8/EAN-13/UPC-A with check-digit validation, Code 128 and other
//     barcodes, anything else).
//   - driver.go and queue.go: the reader goroutine with reconnect after unplug, and the event
//     queue that hands events to one handler (callback) or to pullers, each event exactly once.
//
// Scanned personal QRs and phone numbers are personal data: Event.String, Scan.String and
// Redact never show them in full, and no error or detail text of this package contains them.
package scanner
