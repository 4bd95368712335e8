//go:build !race

package sheet

const raceAllocFactor = 1
