/**
 * ModuleList and ModuleDict: hold children so their parameters, buffers and extra state are found,
 * saved and trained, without deciding how they are called (the owner's forward does). As in
 * PyTorch they have no forward of their own.
 */
import { KnobsError } from '../errors.js';
import { checkConfigKeys, type JsonObject } from './config.js';
import { Module, type AnyModule } from './module.js';
import { register, type ChildSpec } from './registry.js';

function noForward(type: string): never {
  throw new KnobsError(`${type}.forward: a ${type} only holds modules; call its children from the owner's forward`);
}

/** Children by position ("0", "1", …), in order; iterable and indexable with at(). */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<unknown[], never> {
  static readonly type = 'ModuleList';
  static readonly childrenInSpec = true;
  private readonly items: M[] = [];
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }
  append(m: M): this {
    this.addModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }
  at(i: number): M {
    const m = this.items[i < 0 ? this.items.length + i : i];
    if (!m) throw new KnobsError(`ModuleList.at: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }
  get length(): number {
    return this.items.length;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
  forward(): never {
    return noForward('ModuleList');
  }
  static validateConfig(config: JsonObject, where: string, children: ChildSpec[] = []): void {
    checkConfigKeys(config, [], where);
    children.forEach((c, i) => {
      if (c.name !== String(i)) throw new KnobsError(`${where}: child ${i} must be named '${i}', got ${JSON.stringify(c.name)}`);
    });
  }
  static fromConfig(config: JsonObject, children: [string, AnyModule][] = []): ModuleList {
    ModuleList.validateConfig(config, 'ModuleList.fromConfig');
    return new ModuleList(children.map(([, m]) => m));
  }
}

/** Children by name, in insertion order (which is also the order of parameters()). */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<unknown[], never> {
  static readonly type = 'ModuleDict';
  static readonly childrenInSpec = true;
  private readonly items = new Map<string, M>();
  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? (modules as Iterable<[string, M]>) : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }
  set(name: string, m: M): this {
    this.addModule(name, m);
    this.items.set(name, m);
    return this;
  }
  get(name: string): M {
    const m = this.items.get(name);
    if (!m) throw new KnobsError(`ModuleDict.get: no module '${name}' (has ${[...this.items.keys()].join(', ') || 'none'})`);
    return m;
  }
  has(name: string): boolean {
    return this.items.has(name);
  }
  keys(): IterableIterator<string> {
    return this.items.keys();
  }
  entries(): IterableIterator<[string, M]> {
    return this.items.entries();
  }
  forward(): never {
    return noForward('ModuleDict');
  }
  static validateConfig(config: JsonObject, where: string): void {
    checkConfigKeys(config, [], where);
  }
  static fromConfig(config: JsonObject, children: [string, AnyModule][] = []): ModuleDict {
    ModuleDict.validateConfig(config, 'ModuleDict.fromConfig');
    return new ModuleDict(children);
  }
}

register(ModuleList);
register(ModuleDict);
