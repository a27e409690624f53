// What the policy tests of each rule start from: the homelab stack's resources as the program registers
// them under mocks (tests/helpers/capture.ts; policies/tests/program-equivalence.test.ts holds that
// program to the real index.ts), captured once per test file, and small readers over them.
import { before } from "node:test";
import { captureProgram, type CapturedResource } from "../../tests/helpers/capture";
import { stackPlan } from "../../tests/helpers/stacks";
import { TYPES } from "../facts-from-resources";

let base: CapturedResource[] = [];
/** captures the homelab stack before the file's tests run */
export function captureHomelab(): void {
  before(async () => {
    base = await captureProgram(stackPlan("homelab"));
  });
}
/** the captured resources as captured */
export const captured = () => base;
/** a copy to edit */
export const clone = () => structuredClone(base);
export const vms = (rs: CapturedResource[]) => rs.filter((r) => r.type === TYPES.vm);
export const vm = (rs: CapturedResource[], name: string) => vms(rs).find((r) => r.props.name === name)!;
export const applyOf = (rs: CapturedResource[], ip: string) => rs.find((r) => r.type === TYPES.apply && r.props.node === ip)!;
