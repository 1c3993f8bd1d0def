export { EventQueue } from './queue';
export { Environment, Priority, SimEvent } from './env';
export type { EventState, Handler, PriorityName } from './env';
export { BaseResource, Container, Server } from './resource';
export type { CapacityRequest } from './resource';
export { RecordFifo } from './fifo';
export { newSlabs, Slab } from './slab';
export type { Slabs } from './slab';
