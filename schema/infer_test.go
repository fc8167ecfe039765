package schema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

type addArgs struct {
	A int `json:"a" jsonschema:"first number"`
	B int `json:"b" jsonschema:"second number"`
}

type Embedded struct {
	E string `json:"e"`
}

type tagged struct {
	Embedded
	Name     string            `json:"name" jsonschema:"description=the name,minLength=1,maxLength=20,pattern=^[a-z]+$"`
	Level    string            `json:"level,omitempty" jsonschema:"enum=low|mid|high,default=mid"`
	Count    uint8             `json:"count" jsonschema:"maximum=10"`
	Ratio    *float64          `json:"ratio" jsonschema:"exclusiveMinimum=0,exclusiveMaximum=1"`
	When     time.Time         `json:"when"`
	Tags     []string          `json:"tags" jsonschema:"minItems=1"`
	Attrs    map[string]int    `json:"attrs,omitzero"`
	Any      any               `json:"any" jsonschema:"optional"`
	Raw      jsontext.Value    `json:"raw,omitempty"`
	Data     []byte            `json:"data,omitempty"`
	Prose    string            `json:"prose" jsonschema:"a sentence, with a comma"`
	Skip     string            `json:"-"`
	Nested   struct{ X bool }  `json:"nested"`
	Pair     [2]int            `json:"pair,omitempty"`
	ByName   map[string]string `json:"byName,omitempty"`
	Required *string           `json:"req" jsonschema:"required"`
}

func TestInferGolden(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"add", reflect.TypeFor[addArgs](), `{"type":"object","properties":{"a":{"type":"integer","description":"first number"},"b":{"type":"integer","description":"second number"}},"required":["a","b"]}`},
		{"empty struct", reflect.TypeFor[struct{}](), `{"type":"object","properties":{}}`},
		{"int", reflect.TypeFor[int](), `{"type":"integer"}`},
		{"string slice", reflect.TypeFor[[]string](), `{"type":"array","items":{"type":"string"}}`},
		{"time", reflect.TypeFor[time.Time](), `{"type":"string","format":"date-time"}`},
		{"pointer", reflect.TypeFor[*bool](), `{"type":"boolean"}`},
		{"map", reflect.TypeFor[map[string]float64](), `{"type":"object","properties":{},"additionalProperties":{"type":"number"}}`},
		{"tagged", reflect.TypeFor[tagged](), `{"type":"object","properties":{` +
			`"e":{"type":"string"},` +
			`"name":{"type":"string","description":"the name","pattern":"^[a-z]+$","minLength":1,"maxLength":20},` +
			`"level":{"type":"string","enum":["low","mid","high"],"default":"mid"},` +
			`"count":{"type":"integer","minimum":0,"maximum":10},` +
			`"ratio":{"type":["number","null"],"exclusiveMinimum":0,"exclusiveMaximum":1},` +
			`"when":{"type":"string","format":"date-time"},` +
			`"tags":{"type":"array","items":{"type":"string"},"minItems":1},` +
			`"attrs":{"type":"object","properties":{},"additionalProperties":{"type":"integer"}},` +
			`"any":{},"raw":{},` +
			`"data":{"type":"string","contentEncoding":"base64"},` +
			`"prose":{"type":"string","description":"a sentence, with a comma"},` +
			`"nested":{"type":"object","properties":{"X":{"type":"boolean"}},"required":["X"]},` +
			`"pair":{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":2},` +
			`"byName":{"type":"object","properties":{},"additionalProperties":{"type":"string"}},` +
			`"req":{"type":["string","null"]}},` +
			`"required":["e","name","count","when","tags","prose","nested","req"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ForType(tt.typ)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(s.JSON()); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid(s.JSON()) {
				t.Errorf("not valid JSON")
			}
			again, _ := ForType(tt.typ)
			if again != s {
				t.Errorf("schema not cached")
			}
		})
	}
}

type recursive struct {
	Next *recursive `json:"next"`
}

func TestInferErrors(t *testing.T) {
	tests := []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[recursive](), "recursive"},
		{reflect.TypeFor[struct {
			C chan int `json:"c"`
		}](), ".C: type chan int has no JSON Schema"},
		{reflect.TypeFor[struct {
			N int `jsonschema:"minimum=abc"`
		}](), `minimum="abc" is not a number`},
		{reflect.TypeFor[struct {
			N int `jsonschema:"default=x"`
		}](), `default "x": not an integer`},
		{reflect.TypeFor[struct {
			N int `jsonschema:"enum=1|two"`
		}](), `enum value "two"`},
		{reflect.TypeFor[struct {
			S string `jsonschema:"minimum=1"`
		}](), "minimum applies to numbers"},
		{reflect.TypeFor[struct {
			S string `jsonschema:"pattern=[a-"`
		}](), "pattern"},
		{reflect.TypeFor[struct {
			S string `jsonschema:"optional,required"`
		}](), "both optional and required"},
		{reflect.TypeFor[map[[2]int]string](), "map key"},
	}
	for _, tt := range tests {
		_, err := ForType(tt.typ)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want it to contain %q", tt.typ, err, tt.want)
		}
	}
}
