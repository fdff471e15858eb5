package core

import "math/rand/v2"

// searchSeeds are the seeds a random search plays: replay alone when it is set (a failing
// world's seed, from its log), else worlds fresh ones.
func searchSeeds(replay uint64, worlds int) []uint64 {
	if replay != 0 {
		return []uint64{replay}
	}
	seeds := make([]uint64, worlds)
	for i := range seeds {
		seeds[i] = rand.Uint64()
	}
	return seeds
}
