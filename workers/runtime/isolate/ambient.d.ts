// The one Node API the `kiln` module uses (nodejs_compat provides it in workerd; @types/node
// would pollute the Workers globals).
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, fn: () => R): R;
  }
}
