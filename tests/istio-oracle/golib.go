package main

// Go standard library behaviours our Rust reproduces (src/go), asked of Go itself.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"unicode"
)

// relation is an arbitrary "less" over 0..n-1, rows of '0'/'1': less[i][j] == '1' means i < j.
// It need not be an order at all, which is the point: go-yaml sorts map keys with sort.Sort and
// a Less that is not transitive, and our port of sort.Sort must permute exactly as Go's does.
type relation struct {
	less []string
	perm []int
}

func (r *relation) Len() int           { return len(r.perm) }
func (r *relation) Swap(i, j int)      { r.perm[i], r.perm[j] = r.perm[j], r.perm[i] }
func (r *relation) Less(i, j int) bool { return r.less[r.perm[i]][r.perm[j]] == '1' }

// runSort reads JSON lines {"less": ["0110", ...]} and prints, per line, the permutation of
// 0..n-1 that sort.Sort leaves.
func runSort() error {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<28)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var line struct {
			Less []string `json:"less"`
		}
		if err := json.Unmarshal(in.Bytes(), &line); err != nil {
			return fmt.Errorf("sort: %v", err)
		}
		r := &relation{less: line.Less, perm: make([]int, len(line.Less))}
		for i := range r.perm {
			r.perm[i] = i
		}
		sort.Sort(r)
		b, err := json.Marshal(r.perm)
		if err != nil {
			return err
		}
		out.Write(append(b, '\n'))
		out.Flush()
	}
	return in.Err()
}

// runUnicode prints, as JSON, the code point ranges [lo, hi] of each unicode class src/go/unicode.rs
// reproduces, over every rune.
func runUnicode() error {
	classes := map[string]func(rune) bool{
		"letter": unicode.IsLetter,
		"digit":  unicode.IsDigit,
		"print":  unicode.IsPrint,
		"space":  unicode.IsSpace,
	}
	out := map[string][][2]rune{}
	for name, is := range classes {
		ranges := [][2]rune{}
		for r := rune(0); r <= unicode.MaxRune; r++ {
			if !is(r) {
				continue
			}
			if n := len(ranges); n > 0 && ranges[n-1][1] == r-1 {
				ranges[n-1][1] = r
			} else {
				ranges = append(ranges, [2]rune{r, r})
			}
		}
		out[name] = ranges
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// runCase prints, as JSON, every rune whose unicode.ToUpper, ToLower or ToTitle is not itself:
// {upper: [[r, mapped], ...], lower: ..., title: ...}.
func runCase() error {
	mappings := map[string]func(rune) rune{
		"upper": unicode.ToUpper,
		"lower": unicode.ToLower,
		"title": unicode.ToTitle,
	}
	out := map[string][][2]rune{}
	for name, to := range mappings {
		pairs := [][2]rune{}
		for r := rune(0); r <= unicode.MaxRune; r++ {
			if m := to(r); m != r {
				pairs = append(pairs, [2]rune{r, m})
			}
		}
		out[name] = pairs
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
