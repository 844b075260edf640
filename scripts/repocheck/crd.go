package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"
)

// crdDoc is the part of an apiextensions.k8s.io/v1 CustomResourceDefinition we need.
// (Importing k8s.io/apiextensions-apiserver would pull the API server's module graph in.)
type crdDoc struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Served bool   `json:"served"`
			Schema *struct {
				OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// crdSet maps custom resource kinds to their (strict) OpenAPI schemas.
type crdSet struct {
	schemas map[schema.GroupVersionKind]*spec.Schema
}

func newCRDSet() *crdSet { return &crdSet{schemas: map[schema.GroupVersionKind]*spec.Schema{}} }

// loadDir reads every CustomResourceDefinition in YAML files under dir (relative to root).
func (c *crdSet) loadDir(r *report, root, dir string) error {
	absDir := dir
	if !filepath.IsAbs(dir) {
		absDir = filepath.Join(root, filepath.FromSlash(dir))
	}
	return walkFiles(root, absDir, func(abs, rel string) error {
		if !isYAML(rel) {
			return nil
		}
		docs, err := readYAMLDocs(abs)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if !bytes.Contains(d.Data, []byte("CustomResourceDefinition")) {
				continue
			}
			if err := c.add(d.Data); err != nil {
				r.add(rel, d.Line, "CustomResourceDefinition: %v", err)
			}
		}
		return nil
	})
}

func (c *crdSet) add(data []byte) error {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return err
	}
	var crd crdDoc
	if err := json.Unmarshal(js, &crd); err != nil {
		return err
	}
	if crd.Kind != "CustomResourceDefinition" {
		return nil
	}
	if crd.APIVersion != "apiextensions.k8s.io/v1" {
		return fmt.Errorf("apiVersion %s: only apiextensions.k8s.io/v1 is supported", crd.APIVersion)
	}
	if crd.Spec.Group == "" || crd.Spec.Names.Kind == "" {
		return fmt.Errorf("spec.group and spec.names.kind are required")
	}
	for _, v := range crd.Spec.Versions {
		if v.Schema == nil || len(v.Schema.OpenAPIV3Schema) == 0 {
			return fmt.Errorf("version %s has no openAPIV3Schema", v.Name)
		}
		s := new(spec.Schema)
		if err := json.Unmarshal(v.Schema.OpenAPIV3Schema, s); err != nil {
			return fmt.Errorf("version %s: schema: %v", v.Name, err)
		}
		strictSchema(s, true)
		c.schemas[schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}] = s
	}
	return nil
}

// strictSchema makes unknown fields fail, as the API server prunes (and
// kubectl --validate=strict rejects) them, except where the schema preserves them.
func strictSchema(s *spec.Schema, root bool) {
	if s == nil {
		return
	}
	preserve, _ := s.Extensions.GetBool("x-kubernetes-preserve-unknown-fields")
	embedded, _ := s.Extensions.GetBool("x-kubernetes-embedded-resource")
	if (root || embedded) && s.Properties != nil {
		for _, k := range []string{"apiVersion", "kind"} {
			if _, ok := s.Properties[k]; !ok {
				s.Properties[k] = *spec.StringProperty()
			}
		}
		if _, ok := s.Properties["metadata"]; !ok {
			s.Properties["metadata"] = spec.Schema{SchemaProps: spec.SchemaProps{Type: []string{"object"}}}
		}
	}
	if len(s.Properties) > 0 && s.AdditionalProperties == nil && !preserve {
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: false}
	}
	for k, p := range s.Properties {
		if (root || embedded) && k == "metadata" {
			continue // ObjectMeta is checked with the real type
		}
		strictSchema(&p, false)
		s.Properties[k] = p
	}
	if s.Items != nil {
		strictSchema(s.Items.Schema, false)
		for i := range s.Items.Schemas {
			strictSchema(&s.Items.Schemas[i], false)
		}
	}
	if s.AdditionalProperties != nil {
		strictSchema(s.AdditionalProperties.Schema, false)
	}
}

// validate checks a custom resource (as JSON) against its CRD schema.
func (c *crdSet) validate(gvk schema.GroupVersionKind, js []byte) []string {
	s, ok := c.schemas[gvk]
	if !ok {
		return []string{fmt.Sprintf("no schema for %s (add its CustomResourceDefinition under k8s/ or crds/ of the version, or pass -crds)", gvk)}
	}
	var obj map[string]any
	if err := json.Unmarshal(js, &obj); err != nil {
		return []string{err.Error()}
	}
	var msgs []string
	if md, ok := obj["metadata"]; ok {
		b, _ := json.Marshal(md)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var om metav1.ObjectMeta
		if err := dec.Decode(&om); err != nil {
			msgs = append(msgs, fmt.Sprintf("metadata: %v", err))
		}
	}
	res := validate.NewSchemaValidator(s, nil, "", strfmt.Default).Validate(obj)
	for _, e := range res.Errors {
		msgs = append(msgs, fmt.Sprintf("does not match the %s schema: %v", gvk.Kind, e))
	}
	sort.Strings(msgs)
	return msgs
}
