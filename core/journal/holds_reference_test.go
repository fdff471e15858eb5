package journal

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// HoldsReference decodes two fields of an entry where ForReference decodes all of it: for
// every reference and every unit it must answer as a search of ForReference's entries would.
func TestHoldsReferenceAnswersAsTheEntriesDo(t *testing.T) {
	j, _ := openTemp(t, Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	refs := []string{"ref-a", "ref-b", "ref-c", "ref-d"}
	msns := []string{"", "111111", "222222"} // "": an entry of vmp 0.1, known by its unit's name
	units := []string{"", "store-2"}
	for i := range 60 {
		e := newEntry(fmt.Sprintf("key-%d", i), "capture|x")
		e.Reference = refs[rng.IntN(len(refs)-1)] // ref-d has none
		e.MSN, e.Unit = msns[rng.IntN(len(msns))], units[rng.IntN(len(units))]
		e.Intent = e.Reference + "|" + e.MSN
		if err := j.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range refs {
		list, err := j.ForReference(ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, msn := range msns[1:] {
			for _, unit := range units {
				of := func(m, u string) bool { return m == msn || (m == "" && u == unit) }
				want := slices.ContainsFunc(list, func(e *Entry) bool { return of(e.MSN, e.Unit) })
				got, err := j.HoldsReference(ref, of)
				if err != nil || got != want {
					t.Fatalf("HoldsReference(%s, msn %s unit %q) = %v, %v; its %d entries say %v", ref, msn, unit, got, err, len(list), want)
				}
			}
		}
	}
}
