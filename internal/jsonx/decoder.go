// Package jsonx holds small JSON helpers shared by packages that must not import each other.
package jsonx

import (
	"bytes"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// Decoder is a pooled jsontext.Decoder reading a byte slice. Get one with GetDecoder, return it with Put.
type Decoder struct {
	r bytes.Reader
	// Dec reads the slice given to GetDecoder.
	Dec *jsontext.Decoder
}

var decoders = sync.Pool{New: func() any {
	d := &Decoder{}
	d.Dec = jsontext.NewDecoder(&d.r)
	return d
}}

// GetDecoder returns a pooled decoder positioned at the start of data.
func GetDecoder(data []byte) *Decoder {
	d := decoders.Get().(*Decoder)
	d.r.Reset(data)
	d.Dec.Reset(&d.r)
	return d
}

// Put returns d to the pool; d and anything it returned must not be used afterwards.
func (d *Decoder) Put() {
	d.r.Reset(nil)
	d.Dec.Reset(&d.r)
	decoders.Put(d)
}
