//go:build !linux

package journal

// initialMapSize: bbolt's default. On Windows bbolt makes the file as big as its map, so a
// larger start would make every journal that big on disk at once.
const initialMapSize = 0
