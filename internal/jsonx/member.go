package jsonx

// StringMember returns the string value of the top-level member name of the JSON object obj, without
// decoding the other members (their values are skipped), and false when obj is not an object or has no such
// string member.
func StringMember(obj []byte, name string) (string, bool) {
	if len(obj) == 0 {
		return "", false
	}
	d := GetDecoder(obj)
	defer d.Put()
	dec := d.Dec
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return "", false
	}
	for dec.PeekKind() == '"' {
		key, err := dec.ReadToken()
		if err != nil {
			return "", false
		}
		if key.String() != name {
			if err := dec.SkipValue(); err != nil {
				return "", false
			}
			continue
		}
		if dec.PeekKind() != '"' {
			return "", false
		}
		v, err := dec.ReadToken()
		if err != nil {
			return "", false
		}
		return v.String(), true
	}
	return "", false
}
