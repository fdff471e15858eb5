package journal

import (
	"reflect"
	"testing"
	"time"
)

// TestSameAsComparesEveryField changes each field of a record, and each field of one of its
// operations, and wants sameAs to see every change as reflect.DeepEqual does: a field added to
// PaymentRecord and not compared would let a change go unwritten.
func TestSameAsComparesEveryField(t *testing.T) {
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	base := func() *PaymentRecord {
		return &PaymentRecord{Version: 1, MSN: "1", Reference: "r", State: "CREATED", Amount: 100, Own: true, CreatedAt: at, UpdatedAt: at,
			Operations: []RecordOperation{{Key: "k", Operation: OpCreate, Amount: 100, State: StateDone, At: at}}}
	}
	if !base().sameAs(base()) {
		t.Fatal("a record is not the same as its copy")
	}
	differ := func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString(v.String() + "x")
		case reflect.Int, reflect.Int64:
			v.SetInt(v.Int() + 1)
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Struct: // time.Time
			v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Nanosecond)))
		default:
			t.Fatalf("sameAs test: no way to change a %s field; extend the test", v.Kind())
		}
	}
	rt := reflect.TypeOf(PaymentRecord{})
	for i := range rt.NumField() {
		a, b := base(), base()
		f := reflect.ValueOf(b).Elem().Field(i)
		if f.Kind() == reflect.Slice {
			b.Operations = nil
			if a.sameAs(b) || b.sameAs(a) {
				t.Errorf("sameAs misses %s nil against non-nil", rt.Field(i).Name)
			}
			a.Operations, b.Operations = []RecordOperation{}, nil
			if a.sameAs(b) != reflect.DeepEqual(*a, *b) {
				t.Errorf("sameAs and DeepEqual disagree on an empty against a nil %s", rt.Field(i).Name)
			}
			ot := reflect.TypeOf(RecordOperation{})
			for k := range ot.NumField() {
				a, b := base(), base()
				differ(reflect.ValueOf(&b.Operations[0]).Elem().Field(k))
				if a.sameAs(b) {
					t.Errorf("sameAs misses a change of Operations[0].%s", ot.Field(k).Name)
				}
			}
			continue
		}
		differ(f)
		if a.sameAs(b) || b.sameAs(a) {
			t.Errorf("sameAs misses a change of %s", rt.Field(i).Name)
		}
	}
}
