package sim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// The views are what the pages show, copied from the simulator's state under its lock, the
// same state the control API reads. Lists are capped so a view, and with it a stream's memory,
// has a bound however long the simulator runs.
const (
	uiStorePayments = 50 // newest payments on the dashboard
	uiPhonePayments = 10 // a phone's recent payments
	uiCheckIns      = 10 // newest check-ins on the dashboard
)

// phoneView is the customer's phone: /sim/ui/phone/<msisdn>.
type phoneView struct {
	MSISDN  string
	Known   bool // a Vipps MobilePay user (not MSISDNUnknown)
	Pending []uiPayment
	Recent  []uiPayment
	Login   *uiLogin
	CheckIn *CheckIn
	QRText  string // the personal QR the image carries
}

// storeView is the store's dashboard: /sim/ui/.
type storeView struct {
	Now        time.Time
	FakeClock  bool
	Payments   []uiPayment
	Total      int // payments in the simulator, of which Payments shows the newest
	Faults     []faultJSON
	FaultKinds []FaultKind
	Operations []string
	Webhooks   []Webhook
	CheckIns   []CheckIn
	Phones     []string
}

// uiPayment is one payment as the pages show it.
type uiPayment struct {
	MSN             string
	Merchant        string
	Reference       string
	State           State
	Amount          string // "499.00 NOK"
	Captured        string
	Refunded        string
	Cancelled       string
	Description     string
	CustomerPresent bool
	Customer        string // MSISDN, "" when none
	UserFlow        string
	CreatedAt       time.Time
	ExpiresInMS     int64 // time left on the simulator's clock while CREATED
	Ticking         bool  // the clock is real, so the page may count ExpiresInMS down
	Events          []PaymentEvent
	Receipt         *uiReceipt
	QRToken         string // the customer-facing QR of a userFlow QR payment
	Pending         bool
}

// Query is the ?msn= that names the payment to the control API.
func (p uiPayment) Query() string { return "?msn=" + url.QueryEscape(p.MSN) }

// uiReceipt is the part of a receipt a customer reads.
type uiReceipt struct {
	Lines []uiReceiptLine
	Total string
}

type uiReceiptLine struct {
	Name     string
	Quantity string
	Amount   string
}

// uiLogin is a consent request on the phone.
type uiLogin struct {
	LoginSnapshot
	Merchant string
	Pending  bool
}

func formatAmount(value int64, currency string) string {
	sign := ""
	if value < 0 {
		sign, value = "-", -value
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, value/100, value%100, currency)
}

// merchantName is what the phone calls the sales unit (Options.MerchantNames).
func (s *Server) merchantName(msn string) string {
	if name := s.opts.MerchantNames[msn]; name != "" {
		return name
	}
	return "Sales unit " + msn
}

// uiPaymentOf copies p for a page. The lock must be held and p settled.
func (s *Server) uiPaymentOf(p *payment, now time.Time) uiPayment {
	agg := p.aggregate()
	v := uiPayment{
		MSN:             p.msn,
		Merchant:        s.merchantName(p.msn),
		Reference:       p.reference,
		State:           p.state,
		Amount:          formatAmount(p.amount.Value, p.amount.Currency),
		Captured:        formatAmount(agg.CapturedAmount.Value, agg.CapturedAmount.Currency),
		Refunded:        formatAmount(agg.RefundedAmount.Value, agg.RefundedAmount.Currency),
		Cancelled:       formatAmount(agg.CancelledAmount.Value, agg.CancelledAmount.Currency),
		Description:     p.description,
		CustomerPresent: p.customerInteraction == "CUSTOMER_PRESENT",
		Customer:        p.customer.MSISDN,
		UserFlow:        p.userFlow,
		CreatedAt:       p.createdAt.UTC(),
		Events:          p.eventLog(),
		Receipt:         receiptView(s.receiptOf(p)),
		Pending:         p.state == StateCreated,
	}
	_, fake := s.opts.Clock.(advancer)
	v.Ticking = !fake
	if v.Pending {
		v.ExpiresInMS = max(p.expiresAt.Sub(now).Milliseconds(), 0)
	}
	if p.userFlow == "QR" {
		v.QRToken = qrToken(p.redirectURL)
	}
	return v
}

// receiptView reads the lines of a receipt; nil when there is none or it cannot be read.
func receiptView(raw []byte) *uiReceipt {
	if raw == nil {
		return nil
	}
	var r struct {
		OrderLines []struct {
			Name        string `json:"name"`
			TotalAmount int64  `json:"totalAmount"`
			UnitInfo    *struct {
				Quantity string `json:"quantity"`
			} `json:"unitInfo"`
		} `json:"orderLines"`
		BottomLine struct {
			Currency string `json:"currency"`
		} `json:"bottomLine"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return nil
	}
	out := &uiReceipt{}
	var total int64
	for _, l := range r.OrderLines {
		line := uiReceiptLine{Name: l.Name, Amount: formatAmount(l.TotalAmount, r.BottomLine.Currency)}
		if l.UnitInfo != nil {
			line.Quantity = l.UnitInfo.Quantity
		}
		total += l.TotalAmount
		out.Lines = append(out.Lines, line)
	}
	out.Total = formatAmount(total, r.BottomLine.Currency)
	return out
}

// phoneViewOf copies what msisdn's phone shows now.
func (s *Server) phoneViewOf(msisdn string) phoneView {
	v := phoneView{MSISDN: msisdn, Known: isKnownCustomer(msisdn), QRText: PersonalQR(msisdn)}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var mine []*payment
	for _, p := range s.payments {
		if p.customer.MSISDN == msisdn {
			p.settle(now)
			mine = append(mine, p)
		}
	}
	slices.SortFunc(mine, func(a, b *payment) int { return cmp.Compare(b.seq, a.seq) })
	for _, p := range mine {
		switch {
		case p.state == StateCreated:
			v.Pending = append(v.Pending, s.uiPaymentOf(p, now))
		case len(v.Recent) < uiPhonePayments:
			v.Recent = append(v.Recent, s.uiPaymentOf(p, now))
		}
	}
	s.club.init()
	if l, ok := s.club.latestLogin[msisdn]; ok {
		l.settle(now)
		v.Login = &uiLogin{LoginSnapshot: LoginSnapshot{
			AuthReqID: l.authReqID, MSISDN: l.msisdn, Scopes: slices.Clone(l.scopes), BindingMessage: l.bindingMessage,
			State: l.state, CreatedAt: l.createdAt.UTC(), ExpiresAt: l.expiresAt.UTC(),
		}, Merchant: s.merchantName(s.opts.Credentials.MSN), Pending: l.state == LoginPending}
	}
	for i := len(s.club.checkIns) - 1; i >= 0; i-- {
		if ci := s.club.checkIns[i]; ci.PhoneNumber == msisdn {
			v.CheckIn = &ci
			break
		}
	}
	return v
}

// storeViewOf copies what the dashboard shows now.
func (s *Server) storeViewOf() storeView {
	_, fake := s.opts.Clock.(advancer)
	v := storeView{
		FakeClock:  fake,
		Faults:     faultsJSON(s.Faults()),
		FaultKinds: slices.Clone(faultKinds),
		Operations: faultOperationNames(),
		Webhooks:   s.Webhooks(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	v.Now = now.UTC()
	v.Total = len(s.payments)
	newest := make([]*payment, 0, min(len(s.payments), uiStorePayments+1))
	phones := map[string]bool{}
	for _, p := range s.payments {
		if p.customer.MSISDN != "" {
			phones[p.customer.MSISDN] = true
		}
		newest = append(newest, p)
		if len(newest) > uiStorePayments { // keep the newest uiStorePayments: drop the oldest
			oldest := 0
			for i, q := range newest {
				if q.seq < newest[oldest].seq {
					oldest = i
				}
			}
			newest = slices.Delete(newest, oldest, oldest+1)
		}
	}
	slices.SortFunc(newest, func(a, b *payment) int { return cmp.Compare(b.seq, a.seq) })
	for _, p := range newest {
		p.settle(now)
		v.Payments = append(v.Payments, s.uiPaymentOf(p, now))
	}
	s.club.init()
	for msisdn := range s.club.latestLogin {
		phones[msisdn] = true
	}
	for _, ci := range s.club.checkIns {
		phones[ci.PhoneNumber] = true
	}
	v.CheckIns = slices.Clone(s.club.checkIns[max(len(s.club.checkIns)-uiCheckIns, 0):])
	slices.Reverse(v.CheckIns)
	for _, m := range []string{MSISDNWaitsForControl, "4791234567"} {
		phones[m] = true
	}
	for m := range phones {
		v.Phones = append(v.Phones, m)
	}
	slices.Sort(v.Phones)
	return v
}

// faultOperationNames lists the operations a fault can be limited to, sorted.
func faultOperationNames() []string {
	var ops []string
	for _, op := range faultOperations {
		if !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	slices.Sort(ops)
	return append(ops, OperationWebhook)
}
