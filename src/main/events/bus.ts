import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../shared/api.js';
import { watched } from '../log/watchdog.js';

/** Typed in-process publish/subscribe for the contract's events. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every connected client and subsystem subscribes; many listeners is normal.
    this.emitter.setMaxListeners(0);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    watched(`event ${event}`, () => {
      this.emitter.emit(event, payload);
      this.emitter.emit('*', event, payload);
    });
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  /** Every event, for transports that forward all of them. */
  onAny(listener: (event: EventName, payload: unknown) => void): () => void {
    this.emitter.on('*', listener);
    return () => this.emitter.off('*', listener);
  }
}
