import type {VirtualService} from '../source/domain/virtual-service.js';

const prefixes = ['reviews', 'ratings', 'details', 'productpage', 'checkout', 'cart', 'payments', 'search'];

/**
 * A namespace of `count` route objects (VirtualServices or HTTPRoutes) cloned from a template (Bookinfo's reviews),
 * with distinct names such as "checkout-0413" and resourceVersions, like a big tenant namespace. The template itself
 * stays in the set.
 */
export function manyVirtualServices(template: VirtualService, count: number): VirtualService[] {
	const clones = Array.from({length: count - 1}, (_, index): VirtualService => {
		const name = `${prefixes[index % prefixes.length]!}-${String(index).padStart(4, '0')}`;
		return {
			...structuredClone(template),
			metadata: {...template.metadata, name, resourceVersion: String(5000 + index), uid: `uid-many-${index}`},
		};
	});
	return [template, ...clones];
}
