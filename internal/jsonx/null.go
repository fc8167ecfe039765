package jsonx

// NullMember reports where params (valid JSON: the caller decoded it already) holds a null outside any
// member named skip (MCP's _meta, whose values are free), as a JSON Pointer ("/clientInfo/name"). params
// itself null does not count. Callers quoting at in a message should bound it: names come from the peer.
func NullMember(params []byte, skip string) (at string, found bool) {
	if len(params) == 0 {
		return "", false
	}
	d := GetDecoder(params)
	defer d.Put()
	dec := d.Dec
	for {
		if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n%2 == 0 && dec.PeekKind() == '"' {
			name, err := dec.ReadValue() // an object member's name
			if err != nil {
				return "", false
			}
			if len(name) == len(skip)+2 && string(name[1:len(name)-1]) == skip {
				if err := dec.SkipValue(); err != nil {
					return "", false
				}
			}
			continue
		}
		switch dec.PeekKind() {
		case 0: // the end (or an error the caller's decoder already reported)
			return "", false
		case 'n':
			if _, err := dec.ReadToken(); err != nil {
				return "", false
			}
			at := string(dec.StackPointer())
			return at, at != ""
		}
		if _, err := dec.ReadToken(); err != nil {
			return "", false
		}
	}
}
