package journal

// initialMapSize is the memory map bbolt starts a journal with. A map that grows is made
// again, and bbolt then copies every key and value the open write transaction holds out of
// the old map (Bucket.dereference): with the write-ahead log's transaction open across many
// groups (long_tx.go), that copy was 2% of vmp's CPU at 64 concurrent lifecycles. On Linux a
// map beyond the file's end costs address space only; the file keeps its size.
const initialMapSize = 64 << 20
