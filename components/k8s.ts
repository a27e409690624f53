// The parts of @pulumi/kubernetes the program uses. The package's index loads every API group, Helm
// and kustomize as well: about 0.1 s of CPU at every run; these entry points load what they name.
export { Provider } from "@pulumi/kubernetes/provider";
export * as apiextensions from "@pulumi/kubernetes/apiextensions";
export * as batch from "@pulumi/kubernetes/batch";
export * as core from "@pulumi/kubernetes/core";
