/**
 * The one table from a module's `type` name to its class: what toSpec writes and fromSpec (load,
 * workers, DataParallel replicas) reads. knobs' layers register themselves; user modules call
 * nn.register(MyModule) — in every thread that rebuilds them (a worker imports the same file).
 */
import { KnobsError } from '../errors.js';
import type { JsonObject } from './config.js';
import { Module, type AnyModule } from './module.js';

/** A child as the spec lists it (see spec.ts). */
export interface ChildSpec {
  name: string;
  type: string;
  config: JsonObject;
  children?: ChildSpec[];
}

/** What a class must provide to be registered. */
export interface ModuleClass {
  /** Stable name written into specs; never derived from the class name (minifiers rename classes). */
  readonly type: string;
  /** Builds a module from config(); containers also receive their already-built children. */
  fromConfig(config: JsonObject, children?: [string, AnyModule][]): AnyModule;
  /**
   * Optional: checks a config (and a container's child specs) before anything is built, so a bad
   * spec fails without allocating. Throws a KnobsError that starts with `where`.
   */
  validateConfig?(config: JsonObject, where: string, children?: ChildSpec[]): void;
  /**
   * Containers (Sequential, ModuleList, ModuleDict) list their children in the spec. Other modules
   * rebuild their children in their constructor from their config.
   */
  readonly childrenInSpec?: boolean;
  readonly name: string;
  readonly prototype: object;
}

const classes = new Map<string, ModuleClass>();

/**
 * Makes a module class known to toSpec/fromSpec. It needs its own static `type` (a non-empty
 * string) and its own static `fromConfig`; a subclass does not inherit them, since it would then
 * be saved as its parent. Registering the same class again is a no-op; another class under a
 * taken type name is an error.
 */
export function register<C extends ModuleClass>(cls: C): C {
  const given: unknown = cls;
  if (typeof given !== 'function' || !(given.prototype instanceof Module)) {
    throw new KnobsError(`nn.register: expected a class extending nn.Module, got ${given === null ? 'null' : typeof given === 'function' ? `function ${given.name}` : typeof given}`);
  }
  const name = cls.name || 'anonymous class';
  if (!Object.hasOwn(cls, 'type') || typeof cls.type !== 'string' || cls.type === '') {
    throw new KnobsError(`nn.register: ${name} needs its own static type (a non-empty string naming it in saved specs)`);
  }
  if (!Object.hasOwn(cls, 'fromConfig') || typeof cls.fromConfig !== 'function') {
    throw new KnobsError(`nn.register: ${name} (type '${cls.type}') needs its own static fromConfig(config)`);
  }
  const taken = classes.get(cls.type);
  if (taken === cls) return cls;
  if (taken) throw new KnobsError(`nn.register: type '${cls.type}' is already registered by ${taken.name || 'another class'}; give ${name} another static type`);
  classes.set(cls.type, cls);
  return cls;
}

export function lookup(type: string): ModuleClass | undefined {
  return classes.get(type);
}

export function registeredTypes(): string[] {
  return [...classes.keys()];
}

/** The registered class of a module instance, or a KnobsError naming the path. */
export function classOf(m: AnyModule, where: string): ModuleClass {
  const cls = m.constructor as Partial<ModuleClass>;
  const type = Object.hasOwn(cls, 'type') ? cls.type : undefined;
  if (typeof type !== 'string' || classes.get(type) !== cls) {
    throw new KnobsError(`${where} (${cls.name ?? typeof m}) is not a registered module; give it a static type and fromConfig and call nn.register(${cls.name ?? 'YourModule'})`);
  }
  return cls as ModuleClass;
}
