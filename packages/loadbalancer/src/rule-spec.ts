import type { RuleName } from "@outrigger/core";
import { AvailabilityFilteringRule } from "./availability-filtering.js";
import { BestAvailableRule } from "./best-available.js";
import { ConsistentHashRule } from "./consistent-hash.js";
import { checkOption, LbError } from "./errors.js";
import { p2cLeastRequest, p2cPeakEwma } from "./p2c.js";
import { RandomRule } from "./random-rule.js";
import { RoundRobinRule } from "./round-robin.js";
import type { Rule } from "./rule.js";
import { SlowStartRule } from "./slow-start.js";
import { StaticWeightRule } from "./static-weight.js";
import { WeightedResponseTimeRule } from "./weighted-response-time.js";
import { ZoneAvoidanceRule } from "./zone-avoidance.js";
import { ZonePreferenceRule } from "./zone-preference.js";

/** A rule as data, for config files: `{ "name": "p2c-peak-ewma" }`; wrapping rules take an inner `rule` spec. */
export type RuleSpec =
  | { readonly name: "round-robin" | "random" | "p2c-least-request" | "weighted-response-time" | "best-available" }
  | { readonly name: "p2c-peak-ewma"; readonly tieTolerance?: number }
  | { readonly name: "consistent-hash"; readonly pointsPerInstance?: number }
  | { readonly name: "static-weight"; readonly metadataKey?: string }
  | { readonly name: "availability-filtering"; readonly activeLimit?: number; readonly rule?: RuleSpec }
  | {
      readonly name: "zone-avoidance";
      readonly triggeringLoadPerInstance?: number;
      readonly trippedShare?: number;
      readonly rule?: RuleSpec;
    }
  | {
      readonly name: "zone-preference";
      readonly zone: string;
      readonly minHealthy?: number;
      readonly minHealthyShare?: number;
      readonly maxLoadPerInstance?: number;
      readonly rule?: RuleSpec;
    }
  | {
      readonly name: "slow-start";
      readonly windowMs: number;
      readonly aggression?: number;
      readonly minWeightShare?: number;
      readonly rule?: RuleSpec;
    };

/**
 * The names a spec may use (`@outrigger/core`'s `RULE_NAMES`, the one list), with the keys each one takes besides
 * `name`. Typed by `RuleName`, so a name added to core without a rule here, or a rule here missing from core, fails
 * to type-check.
 */
const KEYS: Readonly<Record<RuleName, readonly string[]>> = {
  "round-robin": [],
  random: [],
  "p2c-least-request": [],
  "weighted-response-time": [],
  "best-available": [],
  "p2c-peak-ewma": ["tieTolerance"],
  "consistent-hash": ["pointsPerInstance"],
  "static-weight": ["metadataKey"],
  "availability-filtering": ["activeLimit", "rule"],
  "zone-avoidance": ["triggeringLoadPerInstance", "trippedShare", "rule"],
  "zone-preference": ["zone", "minHealthy", "minHealthyShare", "maxLoadPerInstance", "rule"],
  "slow-start": ["windowMs", "aggression", "minWeightShare", "rule"],
};

const invalid = (message: string): LbError => new LbError("LB_INVALID_OPTION", message);

type Fields = Readonly<Record<string, unknown>>;

/** The number at `key` when present, checked; undefined when absent. */
function num(at: string, fields: Fields, key: string, rule: Parameters<typeof checkOption>[2]): number | undefined {
  return fields[key] === undefined ? undefined : checkOption(`${at}.${key}`, fields[key], rule);
}

function text(at: string, fields: Fields, key: string, required: boolean): string | undefined {
  const value = fields[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || value.length === 0) throw invalid(`${at}.${key} must be a non-empty string`);
  return value;
}

/** Drops undefined fields, so rules see their own defaults (exactOptionalPropertyTypes). */
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function build(spec: unknown, at: string): Rule {
  if (typeof spec !== "object" || spec === null)
    throw invalid(`${at} must be an object such as { "name": "round-robin" }`);
  const fields = spec as Fields;
  const name = fields.name as RuleName;
  const allowed = typeof name === "string" ? KEYS[name] : undefined;
  if (!allowed) {
    throw invalid(`${at}.name must be one of ${Object.keys(KEYS).join(", ")}; got ${JSON.stringify(fields.name)}`);
  }
  for (const key of Object.keys(fields)) {
    if (key !== "name" && !allowed.includes(key)) throw invalid(`${at}.${key} is not a setting of rule "${name}"`);
  }
  const inner = fields.rule === undefined ? undefined : build(fields.rule, `${at}.rule`);
  const share = { max: 1 };
  switch (name) {
    case "round-robin":
      return new RoundRobinRule();
    case "random":
      return new RandomRule();
    case "p2c-least-request":
      return p2cLeastRequest();
    case "weighted-response-time":
      return new WeightedResponseTimeRule();
    case "best-available":
      return new BestAvailableRule();
    case "p2c-peak-ewma":
      return p2cPeakEwma(defined({ tieTolerance: num(at, fields, "tieTolerance", {}) }));
    case "consistent-hash":
      return new ConsistentHashRule(
        defined({ pointsPerInstance: num(at, fields, "pointsPerInstance", { min: 1, max: 10_000, integer: true }) }),
      );
    case "static-weight":
      return new StaticWeightRule(defined({ metadataKey: text(at, fields, "metadataKey", false) }));
    case "availability-filtering":
      return new AvailabilityFilteringRule(
        defined({ activeLimit: num(at, fields, "activeLimit", { min: 1, integer: true }), rule: inner }),
      );
    case "zone-avoidance":
      return new ZoneAvoidanceRule(
        defined({
          triggeringLoadPerInstance: num(at, fields, "triggeringLoadPerInstance", {}),
          trippedShare: num(at, fields, "trippedShare", share),
          rule: inner,
        }),
      );
    case "zone-preference":
      return new ZonePreferenceRule({
        zone: text(at, fields, "zone", true) as string,
        ...defined({
          minHealthy: num(at, fields, "minHealthy", { integer: true }),
          minHealthyShare: num(at, fields, "minHealthyShare", share),
          maxLoadPerInstance: num(at, fields, "maxLoadPerInstance", { min: 0 }),
          rule: inner,
        }),
      });
    case "slow-start":
      return new SlowStartRule({
        windowMs: checkOption(`${at}.windowMs`, fields.windowMs, { min: 1 }),
        ...defined({
          aggression: num(at, fields, "aggression", { min: Number.MIN_VALUE }),
          minWeightShare: num(at, fields, "minWeightShare", share),
          rule: inner,
        }),
      });
  }
}

/**
 * Builds a rule from its spec (as a config file holds it), checking every field first: an unknown name or setting,
 * or a value out of range, throws LB_INVALID_OPTION naming the field (`rule.windowMs must be …`).
 */
export function ruleFromSpec(spec: RuleSpec): Rule {
  return build(spec, "rule");
}
