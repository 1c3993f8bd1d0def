export { EventQueue } from './queue';
export { Environment } from './env';
export type { Handler } from './env';
export { BaseResource, Container, Server } from './resource';
export type { CapacityRequest } from './resource';
export { RecordFifo } from './fifo';
export { newSlabs, Slab } from './slab';
export type { Slabs } from './slab';
