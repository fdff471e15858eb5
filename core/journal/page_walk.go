package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// walkPages reads a bbolt file from its meta page down - the free-page list and every page of
// every bucket - and makes sure nothing in it points outside the file or at a page already
// reached, before bbolt's own check (tx.Check) reads it. tx.Check reads pages through the file's
// memory map in a goroutine of its own, where a read outside the map (a page number or a key
// length made of random bytes) ends the process, and a page that points back up its own tree
// recurses until the stack is gone: a damaged journal must be refused, not take the till down
// with it. walkPages checks only what keeps tx.Check's reads inside the file; tx.Check checks
// the rest. file is the file's pages as mapped (mappedPages): every read of it is bounds-checked.
//
// The layout is bbolt's (go.etcd.io/bbolt/internal/common), in the machine's byte order as
// bbolt writes it.
func walkPages(file []byte, pageSize int) error {
	w := &pageWalk{file: file, pageSize: uint64(pageSize), pages: uint64(len(file) / pageSize)}
	if w.pages < 2 {
		return errors.New("shorter than its two meta pages")
	}
	w.reached = make([]bool, w.pages)
	w.reached[0], w.reached[1] = true, true
	m, err := w.meta()
	if err != nil {
		return err
	}
	if m.freelist != noFreelist {
		if err := w.freelist(m.freelist); err != nil {
			return err
		}
	}
	return w.tree(m.root)
}

// mappedPages is the first size bytes of bbolt's memory map of db's file: size must be no more
// than the file holds (a read of the map beyond the file's end is a fault), and the slice is
// valid only while the transaction that measured it is open (bbolt maps the file anew as it grows).
func mappedPages(db *bolt.DB, size int) []byte {
	data := db.Info().Data // the map's address, as bbolt exports it
	return unsafe.Slice(*(**byte)(unsafe.Pointer(&data)), size)
}

var byteOrder = binary.NativeEndian

// bbolt's page: a header - id (8 bytes), flags (2), count (2), overflow (4) - then count
// elements of 16 bytes, then the keys and values they point to.
const (
	pageHeader, pageElement        = 16, 16
	branchFlag, leafFlag, freeFlag = 0x01, 0x02, 0x10
	bucketElementFlag              = 0x01 // a leaf element that is a bucket: its value starts with the bucket's root page (0: inline)
	bucketHeader                   = 16   // root page id, sequence
	noFreelist                     = ^uint64(0)
	boltMagic, boltVersion         = 0xED0CDAED, 2
)

type pageWalk struct {
	file     []byte
	pageSize uint64
	pages    uint64 // in file
	reached  []bool // by page id
}

type boltMeta struct{ root, freelist, txid uint64 }

// meta is the meta page bbolt reads the file by: the valid one with the higher transaction id.
func (w *pageWalk) meta() (boltMeta, error) {
	var best *boltMeta
	for i := range uint64(2) {
		b := w.file[i*w.pageSize+pageHeader:][:64] // magic (4), version (4), page size (4), flags (4), root bucket (16), free-page list (8), pages (8), txid (8), checksum (8)
		h := fnv.New64a()
		h.Write(b[:56])
		if byteOrder.Uint32(b) != boltMagic || byteOrder.Uint32(b[4:]) != boltVersion || byteOrder.Uint64(b[56:]) != h.Sum64() {
			continue
		}
		m := boltMeta{root: byteOrder.Uint64(b[16:]), freelist: byteOrder.Uint64(b[32:]), txid: byteOrder.Uint64(b[48:])}
		if best == nil || m.txid > best.txid {
			best = &m
		}
	}
	if best == nil {
		return boltMeta{}, errors.New("no valid meta page")
	}
	return *best, nil
}

// page is page id with its overflow pages, which no page reached before points at.
func (w *pageWalk) page(id uint64) (data []byte, flags, count uint16, err error) {
	if id < 2 || id >= w.pages {
		return nil, 0, 0, fmt.Errorf("page %d is outside the file's %d pages", id, w.pages)
	}
	head := w.file[id*w.pageSize:][:pageHeader]
	overflow := uint64(byteOrder.Uint32(head[12:]))
	switch {
	case byteOrder.Uint64(head) != id:
		return nil, 0, 0, fmt.Errorf("page %d says it is page %d", id, byteOrder.Uint64(head))
	case overflow >= w.pages-id:
		return nil, 0, 0, fmt.Errorf("page %d with %d overflow pages runs past the file's %d pages", id, overflow, w.pages)
	}
	for p := id; p <= id+overflow; p++ {
		if w.reached[p] {
			return nil, 0, 0, fmt.Errorf("page %d is reached twice", p)
		}
		w.reached[p] = true
	}
	return w.file[id*w.pageSize : (id+overflow+1)*w.pageSize], byteOrder.Uint16(head[8:]), byteOrder.Uint16(head[10:]), nil
}

// freelist checks that the free-page list's ids lie inside its pages.
func (w *pageWalk) freelist(id uint64) error {
	data, flags, count, err := w.page(id)
	if err != nil {
		return err
	}
	if flags != freeFlag {
		return fmt.Errorf("free-page list page %d has type %#x", id, flags)
	}
	n, at := uint64(count), uint64(pageHeader)
	if count == 0xFFFF { // the count is the first element
		if len(data) < pageHeader+8 {
			return fmt.Errorf("free-page list page %d is too short", id)
		}
		n, at = byteOrder.Uint64(data[pageHeader:]), pageHeader+8
	}
	if n > (uint64(len(data))-at)/8 {
		return fmt.Errorf("free-page list page %d lists %d pages, more than it holds", id, n)
	}
	return nil
}

// tree checks the bucket tree under page id.
func (w *pageWalk) tree(id uint64) error {
	data, flags, count, err := w.page(id)
	if err != nil {
		return err
	}
	return w.elements(id, data, flags, count)
}

// elements checks that the elements of page id (data, inline pages too) and their keys and
// values lie inside it, and walks the pages they point to.
func (w *pageWalk) elements(id uint64, data []byte, flags, count uint16) error {
	if flags != branchFlag && flags != leafFlag {
		return fmt.Errorf("page %d has type %#x where a branch or leaf page belongs", id, flags)
	}
	size := uint64(len(data))
	if pageHeader+uint64(count)*pageElement > size {
		return fmt.Errorf("page %d has %d elements, more than it holds", id, count)
	}
	for i := range uint64(count) {
		at := pageHeader + i*pageElement
		e := data[at : at+pageElement]
		if flags == branchFlag { // pos (4), key size (4), child page (8)
			if at+uint64(byteOrder.Uint32(e))+uint64(byteOrder.Uint32(e[4:])) > size {
				return fmt.Errorf("page %d: element %d's key lies outside the page", id, i)
			}
			if err := w.tree(byteOrder.Uint64(e[8:])); err != nil {
				return err
			}
			continue
		}
		// leaf: flags (4), pos (4), key size (4), value size (4)
		key := at + uint64(byteOrder.Uint32(e[4:]))
		value := key + uint64(byteOrder.Uint32(e[8:]))
		end := value + uint64(byteOrder.Uint32(e[12:]))
		if end > size {
			return fmt.Errorf("page %d: element %d's key or value lies outside the page", id, i)
		}
		if byteOrder.Uint32(e)&bucketElementFlag == 0 {
			continue
		}
		if end-value < bucketHeader {
			return fmt.Errorf("page %d: element %d is a bucket too short for its header", id, i)
		}
		if root := byteOrder.Uint64(data[value:]); root != 0 {
			if err := w.tree(root); err != nil {
				return err
			}
			continue
		}
		inline := data[value+bucketHeader : end]
		if len(inline) < pageHeader {
			return fmt.Errorf("page %d: element %d is an inline bucket too short for its page", id, i)
		}
		if err := w.elements(id, inline, byteOrder.Uint16(inline[8:]), byteOrder.Uint16(inline[10:])); err != nil {
			return err
		}
	}
	return nil
}
