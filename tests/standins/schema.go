package main

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// A node of the schema: a Pulumi package schema type spec, or an OpenAPI v3 schema (the Kubernetes
// stand-in's schema.json carries Cilium's CRD schemas in that form). The two share most keywords.
type node = map[string]any

type objectSpec struct {
	Inputs   map[string]node
	Required []string
	Outputs  map[string]node
}

type packageSchema struct {
	JudgedBy  string // what the schema is, for messages
	Name      string
	Version   string
	Types     map[string]node
	Provider  *objectSpec
	Resources map[string]*objectSpec
	Functions map[string]*objectSpec
}

func parseSchema(raw []byte, fallbackVersion string) (*packageSchema, error) {
	var doc struct {
		Name     string          `json:"name"`
		Version  string          `json:"version"`
		JudgedBy string          `json:"x-judged-by"`
		Types    map[string]node `json:"types"`
		Provider *struct {
			InputProperties map[string]node `json:"inputProperties"`
			RequiredInputs  []string        `json:"requiredInputs"`
		} `json:"provider"`
		Resources map[string]struct {
			InputProperties map[string]node `json:"inputProperties"`
			RequiredInputs  []string        `json:"requiredInputs"`
			Properties      map[string]node `json:"properties"`
		} `json:"resources"`
		Functions map[string]struct {
			Inputs *struct {
				Properties map[string]node
				Required   []string
			} `json:"inputs"`
			Outputs *struct{ Properties map[string]node } `json:"outputs"`
		} `json:"functions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if doc.Version == "" {
		doc.Version = fallbackVersion
	}
	if doc.JudgedBy == "" {
		doc.JudgedBy = fmt.Sprintf("the %s %s package schema", doc.Name, doc.Version)
	}
	s := &packageSchema{JudgedBy: doc.JudgedBy, Name: doc.Name, Version: doc.Version, Types: doc.Types,
		Resources: map[string]*objectSpec{}, Functions: map[string]*objectSpec{}}
	if doc.Provider != nil && len(doc.Provider.InputProperties) > 0 {
		s.Provider = &objectSpec{Inputs: doc.Provider.InputProperties, Required: doc.Provider.RequiredInputs}
	}
	for tok, r := range doc.Resources {
		s.Resources[tok] = &objectSpec{Inputs: r.InputProperties, Required: r.RequiredInputs, Outputs: r.Properties}
	}
	for tok, f := range doc.Functions {
		o := &objectSpec{}
		if f.Inputs != nil {
			o.Inputs, o.Required = f.Inputs.Properties, f.Inputs.Required
		}
		if f.Outputs != nil {
			o.Outputs = f.Outputs.Properties
		}
		s.Functions[tok] = o
	}
	return s, nil
}

type checker struct {
	s        *packageSchema
	failures []*pulumirpc.CheckFailure
}

func (c *checker) fail(path, format string, args ...any) {
	c.failures = append(c.failures, &pulumirpc.CheckFailure{Property: path, Reason: fmt.Sprintf(format, args...)})
}

// checkObject validates a property map against named property specs. Unknown values (a preview's
// outputs of other resources) are accepted: a real provider cannot judge them either.
func (s *packageSchema) checkObject(props map[string]node, required []string, m resource.PropertyMap, strict bool) []*pulumirpc.CheckFailure {
	c := &checker{s: s}
	c.object("", props, required, m, strict)
	return c.failures
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (c *checker) object(path string, props map[string]node, required []string, m resource.PropertyMap, strict bool) {
	for _, r := range required {
		if v, ok := m[resource.PropertyKey(r)]; !ok || v.IsNull() {
			c.fail(join(path, r), "missing required property %q", r)
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "__") {
			continue
		}
		spec, ok := props[k]
		if !ok {
			if strict {
				c.fail(join(path, k), "unknown property %q (not in the schema)", k)
			}
			continue
		}
		c.value(join(path, k), spec, m[resource.PropertyKey(k)])
	}
}

func (c *checker) value(path string, spec node, v resource.PropertyValue) {
	switch {
	case v.IsComputed():
		return
	case v.IsOutput():
		if !v.OutputValue().Known {
			return
		}
		v = v.OutputValue().Element
	case v.IsSecret():
		v = v.SecretValue().Element
	}
	if v.IsComputed() || v.IsNull() {
		return
	}
	if ref, ok := spec["$ref"].(string); ok {
		switch {
		case strings.HasPrefix(ref, "#/types/"):
			t, ok := c.s.Types[strings.TrimPrefix(ref, "#/types/")]
			if !ok {
				c.fail(path, "schema refers to a missing type %s", ref)
				return
			}
			spec = t
		case strings.HasPrefix(ref, "pulumi.json#/"):
			return // Any, Json, Asset, Archive
		default:
			return // a type of another package: not ours to judge
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if alts, ok := spec[key].([]any); ok && spec["type"] == nil && spec["properties"] == nil {
			for _, a := range alts {
				sub := &checker{s: c.s}
				sub.value(path, a.(node), v)
				if len(sub.failures) == 0 {
					return
				}
			}
			c.fail(path, "matches none of the allowed forms (%s)", key)
			return
		}
	}
	if spec["x-kubernetes-int-or-string"] == true {
		if !v.IsString() && !(v.IsNumber() && v.NumberValue() == math.Trunc(v.NumberValue())) {
			c.fail(path, "expected an integer or a string, got %s", kind(v))
		}
		return
	}
	typ, _ := spec["type"].(string)
	switch typ {
	case "string":
		if !v.IsString() {
			c.fail(path, "expected a string, got %s", kind(v))
			return
		}
		c.stringRules(path, spec, v.StringValue())
	case "integer":
		if !v.IsNumber() || v.NumberValue() != math.Trunc(v.NumberValue()) {
			c.fail(path, "expected an integer, got %s", kind(v))
			return
		}
		c.numberRules(path, spec, v.NumberValue())
	case "number":
		if !v.IsNumber() {
			c.fail(path, "expected a number, got %s", kind(v))
			return
		}
		c.numberRules(path, spec, v.NumberValue())
	case "boolean":
		if !v.IsBool() {
			c.fail(path, "expected a boolean, got %s", kind(v))
		}
	case "array":
		if !v.IsArray() {
			c.fail(path, "expected a list, got %s", kind(v))
			return
		}
		arr := v.ArrayValue()
		if n, ok := spec["minItems"].(float64); ok && float64(len(arr)) < n {
			c.fail(path, "expected at least %v items, got %d", n, len(arr))
		}
		if n, ok := spec["maxItems"].(float64); ok && float64(len(arr)) > n {
			c.fail(path, "expected at most %v items, got %d", n, len(arr))
		}
		if items, ok := spec["items"].(node); ok {
			for i, e := range arr {
				c.value(fmt.Sprintf("%s[%d]", path, i), items, e)
			}
		}
	case "object", "":
		if typ == "" && spec["properties"] == nil && spec["additionalProperties"] == nil {
			break // no constraint
		}
		if !v.IsObject() {
			c.fail(path, "expected an object, got %s", kind(v))
			return
		}
		obj := v.ObjectValue()
		props := map[string]node{}
		if ps, ok := spec["properties"].(map[string]any); ok {
			for k, p := range ps {
				props[k] = p.(node)
			}
		}
		var required []string
		if rs, ok := spec["required"].([]any); ok {
			for _, r := range rs {
				required = append(required, r.(string))
			}
		}
		if ap, ok := spec["additionalProperties"].(node); ok {
			for k, e := range obj {
				if _, named := props[string(k)]; !named {
					c.value(join(path, string(k)), ap, e)
				}
			}
			c.object(path, props, required, filterNamed(obj, props), false)
			return
		}
		strict := len(props) > 0 && spec["additionalProperties"] != true && spec["x-kubernetes-preserve-unknown-fields"] != true
		c.object(path, props, required, obj, strict)
	}
	if enum, ok := spec["enum"].([]any); ok {
		c.enum(path, enum, v)
	}
}

func filterNamed(obj resource.PropertyMap, props map[string]node) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range obj {
		if _, ok := props[string(k)]; ok {
			out[k] = v
		}
	}
	return out
}

func (c *checker) enum(path string, enum []any, v resource.PropertyValue) {
	var allowed []string
	for _, e := range enum {
		if m, ok := e.(map[string]any); ok { // Pulumi enum: {"value": ...}
			e = m["value"]
		}
		allowed = append(allowed, fmt.Sprint(e))
		if (v.IsString() && e == v.StringValue()) || (v.IsNumber() && e == v.NumberValue()) || (v.IsBool() && e == v.BoolValue()) {
			return
		}
	}
	c.fail(path, "%v is not one of %s", v.V, strings.Join(allowed, ", "))
}

func (c *checker) stringRules(path string, spec node, s string) {
	if p, ok := spec["pattern"].(string); ok {
		if re, err := regexp.Compile(p); err == nil && !re.MatchString(s) {
			c.fail(path, "%q does not match the pattern %s", s, p)
		}
	}
	if n, ok := spec["maxLength"].(float64); ok && float64(len(s)) > n {
		c.fail(path, "longer than %v characters", n)
	}
	if n, ok := spec["minLength"].(float64); ok && float64(len(s)) < n {
		c.fail(path, "shorter than %v characters", n)
	}
}

func (c *checker) numberRules(path string, spec node, x float64) {
	if n, ok := spec["minimum"].(float64); ok && x < n {
		c.fail(path, "%v is below the minimum %v", x, n)
	}
	if n, ok := spec["maximum"].(float64); ok && x > n {
		c.fail(path, "%v is above the maximum %v", x, n)
	}
}

func kind(v resource.PropertyValue) string {
	switch {
	case v.IsString():
		return fmt.Sprintf("the string %q", v.StringValue())
	case v.IsNumber():
		return fmt.Sprintf("the number %v", v.NumberValue())
	case v.IsBool():
		return fmt.Sprintf("the boolean %v", v.BoolValue())
	case v.IsArray():
		return "a list"
	case v.IsObject():
		return "an object"
	}
	return v.TypeString()
}
