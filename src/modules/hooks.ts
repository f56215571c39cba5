import type { Tx } from '../db/tx';

/** Reacts to an event inside the transaction of the change that caused it. */
export type Subscriber<Event> = (tx: Tx, event: Event) => Promise<void>;

/**
 * The events a module publishes, typed by name. Subscribers run inside the publisher's
 * transaction, in the order they subscribed: what they write commits or rolls back with the
 * change, and a subscriber that fails fails the change. They are attached when services are wired
 * (src/modules/index.ts), so a module never imports the modules that react to it.
 */
export class Hooks<Events extends object> {
  private readonly subscribers = new Map<keyof Events, Subscriber<never>[]>();

  on<Name extends keyof Events>(name: Name, subscriber: Subscriber<Events[Name]>): void {
    this.subscribers.set(name, [...(this.subscribers.get(name) ?? []), subscriber as Subscriber<never>]);
  }

  async emit<Name extends keyof Events>(tx: Tx, name: Name, event: Events[Name]): Promise<void> {
    for (const subscriber of (this.subscribers.get(name) ?? []) as Subscriber<Events[Name]>[]) await subscriber(tx, event);
  }
}

/** What a module hands out of its hooks: subscribing, not publishing. */
export type Subscriptions<Events extends object> = Pick<Hooks<Events>, 'on'>;
