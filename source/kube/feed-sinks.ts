/**
 * Where the watch feed keeps what its list-watches deliver: keyed collections whose array view is rebuilt only when
 * read after a change, and the route objects of both kinds in one copy-on-write map. No I/O.
 */
import type {VirtualService} from '../domain/virtual-service.js';

/** What one list-watch writes into. Method syntax on purpose: a sink of T is usable where a sink of unknown is expected. */
export interface FeedSink<T> {
	/** After a list: the complete set of this source, replacing what it delivered before. */
	replace(entries: ReadonlyArray<[string, T]>): void;
	/** An object was added or changed. */
	upsert(key: string, value: T): void;
	/** An object was deleted; returns whether anything changed. */
	delete(key: string): boolean;
}

/** A keyed collection (DestinationRules, Services) read as an array; the array is rebuilt once per change burst. */
export class KeyedValues<T> implements FeedSink<T> {
	private readonly map = new Map<string, T>();
	private array: readonly T[] = [];
	private dirty = false;

	/** Replaces every entry. */
	replace(entries: ReadonlyArray<[string, T]>): void {
		this.map.clear();
		for (const [key, value] of entries) {
			this.map.set(key, value);
		}

		this.dirty = true;
	}

	/** Sets one entry. */
	upsert(key: string, value: T): void {
		this.map.set(key, value);
		this.dirty = true;
	}

	/** Removes one entry; false when it was not there. */
	delete(key: string): boolean {
		const removed = this.map.delete(key);
		this.dirty ||= removed;
		return removed;
	}

	/** The values, as an array that stays the same object until the next change. */
	values(): readonly T[] {
		if (this.dirty) {
			this.array = [...this.map.values()];
			this.dirty = false;
		}

		return this.array;
	}
}

const isHttpRouteKey = (key: string) => key.startsWith('httproute/');

/**
 * VirtualServices (by name) and HTTPRoutes (`httproute/NAME`) in one map. Copy-on-write: a delivered map is frozen in
 * the listeners' hands; the first change after a delivery copies it once, so a burst of events costs one copy per
 * delivery, not one per event.
 */
export class RouteItems {
	private items = new Map<string, VirtualService>();
	private shared = false;

	/** The sink of one kind: its list replaces the objects of that kind only, since both kinds share the map. */
	kind(httpRoutes: boolean): FeedSink<VirtualService> {
		return {
			replace: entries => {
				const kept = [...this.items].filter(([key]) => isHttpRouteKey(key) !== httpRoutes);
				this.items = new Map([...kept, ...entries]);
				this.shared = false;
			},
			upsert: (key, value) => {
				this.writable().set(key, value);
			},
			delete: key => {
				if (!this.items.has(key)) {
					return false;
				}

				this.writable().delete(key);
				return true;
			},
		};
	}

	/** The current map, handed out: it is never mutated afterwards. */
	snapshot(): ReadonlyMap<string, VirtualService> {
		this.shared = true;
		return this.items;
	}

	private writable(): Map<string, VirtualService> {
		if (this.shared) {
			this.items = new Map(this.items);
			this.shared = false;
		}

		return this.items;
	}
}
