package registry

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
)

// seenKey is where a KK number or NIK occurs in the file.
type seenKey struct {
	key       uint64
	ord, line int32 // family ordinal, line
}

// memKeys is how many keys a keySet holds in memory (16 bytes each: 64 MB)
// before it spills them to partition files; a variable for tests.
var memKeys = 4 << 20

// keyParts is how many partition files a spilled keySet writes: a file of
// 100 million persons gives partitions of ~6 million keys (~100 MB) each.
const keyParts = 16

// keySet finds the keys that occur more than once in a file, in memory
// that does not grow with the file: up to memKeys keys it sorts them in
// memory; beyond, it writes every key to one of keyParts temporary files
// chosen by the key's hash, so that all occurrences of a key share a file,
// and sorts one file at a time.
type keySet struct {
	mem   []seenKey
	files []*os.File
	bufs  []*bufio.Writer
}

func (k *keySet) add(s seenKey) error {
	if k.files == nil {
		if len(k.mem) < memKeys {
			k.mem = append(k.mem, s)
			return nil
		}
		if err := k.spill(); err != nil {
			return err
		}
	}
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], s.key)
	binary.LittleEndian.PutUint32(b[8:], uint32(s.ord))
	binary.LittleEndian.PutUint32(b[12:], uint32(s.line))
	_, err := k.bufs[part(s.key)].Write(b[:])
	return err
}

func part(key uint64) int { return int((key * 0x9E3779B97F4A7C15 >> 32) % keyParts) }

// spill creates the partition files and moves the keys held in memory there.
func (k *keySet) spill() error {
	for range keyParts {
		f, err := os.CreateTemp("", "tepat-keys-*")
		if err != nil {
			return fmt.Errorf("import: spill keys: %w", err)
		}
		os.Remove(f.Name()) // gone with the last close, even after a crash
		k.files = append(k.files, f)
		k.bufs = append(k.bufs, bufio.NewWriterSize(f, 64<<10))
	}
	mem := k.mem
	k.mem = nil
	for _, s := range mem {
		if err := k.add(s); err != nil {
			return err
		}
	}
	return nil
}

// repeats calls fn for each occurrence of a key after its first (in file
// order), with that first one.
func (k *keySet) repeats(fn func(first, again seenKey)) error {
	if k.files == nil {
		repeats(k.mem, fn)
		return nil
	}
	var keys []seenKey
	for i, f := range k.files {
		if err := k.bufs[i].Flush(); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		keys = keys[:0]
		r := bufio.NewReaderSize(f, 64<<10)
		var b [16]byte
		for {
			if _, err := io.ReadFull(r, b[:]); err == io.EOF {
				break
			} else if err != nil {
				return fmt.Errorf("import: read spilled keys: %w", err)
			}
			keys = append(keys, seenKey{binary.LittleEndian.Uint64(b[:]), int32(binary.LittleEndian.Uint32(b[8:])),
				int32(binary.LittleEndian.Uint32(b[12:]))})
		}
		repeats(keys, fn)
	}
	return nil
}

// close removes the partition files.
func (k *keySet) close() {
	for _, f := range k.files {
		f.Close()
	}
	k.files, k.bufs, k.mem = nil, nil, nil
}

// repeats sorts keys and calls fn for each occurrence of a key after its
// first (in file order), with that first one.
func repeats(keys []seenKey, fn func(first, again seenKey)) {
	slices.SortFunc(keys, func(a, b seenKey) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.line, b.line)
	})
	for i := 0; i < len(keys); {
		j := i + 1
		for ; j < len(keys) && keys[j].key == keys[i].key; j++ {
			fn(keys[i], keys[j])
		}
		i = j
	}
}
