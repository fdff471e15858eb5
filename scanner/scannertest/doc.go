// Package scannertest gives tests a real serial-port stand-in: a pseudo-terminal whose
// terminal side the scanner driver opens through tarm/serial exactly like a USB scanner's
// /dev/ttyACM0, while the test writes into the other side what the scanner would send.
// Linux only (OpenPTY skips the test elsewhere).
package scannertest
