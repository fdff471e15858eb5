package sim

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vmp-dev/vmp/internal/qrcode"
)

// The pages a person at a test till looks at instead of typing control-API calls: the
// customer's phone (/sim/ui/phone/<msisdn>) and the store's dashboard (/sim/ui/). They are
// served on the simulator's own address, from files embedded in the binary (nothing is
// fetched from elsewhere), rendered by html/template, which escapes everything a till sent.
// Every button calls the control API (/sim/...) from ui.js: the pages have no rules of their
// own.
//
//	GET /sim/ui/                          the dashboard
//	GET /sim/ui/phone/{msisdn}            the phone
//	GET /sim/ui/live/store                the dashboard's view as Server-Sent Events
//	GET /sim/ui/live/phone/{msisdn}       the phone's view as Server-Sent Events
//	GET /sim/ui/phone/{msisdn}/qr.png     the customer's personal QR (PersonalQR), scannable
//	GET /sim/ui/qr/{token}.png            a payment's customer-facing QR (its target URL)
//	GET /sim/ui/static/{ui.css,ui.js}     the pages' style and script

const uiPrefix = "/sim/ui"

//go:embed ui
var uiFiles embed.FS

var uiTemplates = template.Must(template.New("ui").Funcs(template.FuncMap{
	"clock": func(t time.Time) string { return t.UTC().Format("15:04:05") },
	"path":  url.PathEscape,
	// countdown shows time left as m:ss, as ui.js counts it down.
	"countdown": func(ms int64) string {
		s := ms / 1000
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	},
}).ParseFS(uiFiles, "ui/*.html"))

func isUIPath(path string) bool {
	return path == uiPrefix || strings.HasPrefix(path, uiPrefix+"/")
}

// serveUI routes the pages. Only GET and HEAD: the pages change nothing themselves.
func (s *Server) serveUI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "The pages only read; their buttons call the control API.", http.StatusMethodNotAllowed)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, uiPrefix)
	switch {
	case rest == "":
		http.Redirect(w, r, uiPrefix+"/", http.StatusFound)
	case rest == "/":
		s.servePage(w, "store.html", s.storeViewOf())
	case rest == "/live/store":
		s.serveStream(w, r, func() ([]byte, error) { return renderTemplate("store-view", s.storeViewOf()) })
	case strings.HasPrefix(rest, "/static/"):
		serveStatic(w, strings.TrimPrefix(rest, "/static/"))
	case strings.HasPrefix(rest, "/qr/") && strings.HasSuffix(rest, ".png"):
		s.servePaymentQR(w, strings.TrimSuffix(strings.TrimPrefix(rest, "/qr/"), ".png"))
	case strings.HasPrefix(rest, "/live/phone/"):
		msisdn, ok := phoneSegment(strings.TrimPrefix(rest, "/live/phone/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.serveStream(w, r, func() ([]byte, error) { return renderTemplate("phone-view", s.phoneViewOf(msisdn)) })
	case strings.HasPrefix(rest, "/phone/"):
		seg := strings.TrimPrefix(rest, "/phone/")
		if m, isQR := strings.CutSuffix(seg, "/qr.png"); isQR {
			if msisdn, ok := phoneSegment(m); ok {
				servePNG(w, PersonalQR(msisdn))
				return
			}
		} else if msisdn, ok := phoneSegment(seg); ok {
			s.servePage(w, "phone.html", s.phoneViewOf(msisdn))
			return
		}
		http.NotFound(w, r)
	default:
		http.NotFound(w, r)
	}
}

// phoneSegment accepts an MSISDN (10 to 15 digits) as a path segment.
func phoneSegment(seg string) (string, bool) {
	return seg, phonePattern.MatchString(seg)
}

func (s *Server) servePage(w http.ResponseWriter, name string, view any) {
	body, err := renderTemplate(name, view)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Nothing from elsewhere: scripts, styles and images come from this simulator only.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'")
	_, _ = w.Write(body)
}

func renderTemplate(name string, view any) ([]byte, error) {
	var b bytes.Buffer
	if err := uiTemplates.ExecuteTemplate(&b, name, view); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func serveStatic(w http.ResponseWriter, name string) {
	types := map[string]string{"ui.css": "text/css; charset=utf-8", "ui.js": "text/javascript; charset=utf-8"}
	ct, ok := types[name]
	body, err := uiFiles.ReadFile("ui/" + name)
	if !ok || err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(body)
}

// servePaymentQR draws the QR a customer-facing checkout shows: its target URL, the address a
// phone's camera opens (GET /sim/qr/{token}).
func (s *Server) servePaymentQR(w http.ResponseWriter, token string) {
	s.mu.Lock()
	_, _, err := s.qrPayment(token)
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	servePNG(w, s.URL()+qrPathPrefix+token)
}

// servePNG draws text as a QR code with the library's own encoder, big enough for a barcode
// scanner to read off a screen.
func servePNG(w http.ResponseWriter, text string) {
	q, err := qrcode.Encode(text)
	var png []byte
	if err == nil {
		png, err = q.PNG(320)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}
