package scanner

import (
	"io"
	"time"

	"github.com/tarm/serial"
)

// Port is an open serial port as the reader needs it. Read must return within about the read
// timeout given to OpenFunc, with (0, io.EOF) or (0, nil) when no byte arrived: that is "no
// data", not an error. Any other error means the port failed (unplugged, hung up) and is
// reopened. Close may be called while a Read is blocked and makes it return.
type Port interface {
	io.ReadCloser
}

// OpenFunc opens the port called name at baud with the given read timeout.
type OpenFunc func(name string, baud int, readTimeout time.Duration) (Port, error)

// OpenSerial opens a serial port with tarm/serial: 8 data bits, no parity, one stop bit, raw
// mode, the read timeout set (on Linux an idle read then returns (0, io.EOF); on Windows
// (0, nil)). Names: "/dev/ttyACM0", "/dev/serial/by-id/…", "COM3", "COM17" (tarm adds the
// \\.\ prefix that COM10 and above need).
func OpenSerial(name string, baud int, readTimeout time.Duration) (Port, error) {
	p, err := serial.OpenPort(&serial.Config{Name: name, Baud: baud, ReadTimeout: readTimeout})
	if err != nil {
		return nil, err
	}
	return p, nil
}
