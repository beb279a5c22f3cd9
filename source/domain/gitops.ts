/**
 * GitOps ownership detection: a VirtualService reconciled from Git gets its weights reverted on the next sync,
 * so the user must be warned before a live edit that will silently not last.
 */
import type {VirtualService} from './virtual-service.js';

/** Who reconciles a VirtualService from Git, and the warning to show. */
export interface GitOpsOwner {
	tool: 'Argo CD' | 'Flux';
	/** A warning sentence naming the owning application, ready for the UI. */
	detail: string;
}

function argoApplication(labels: Record<string, string>, annotations: Record<string, string>): string | undefined {
	// Annotation tracking: "<app>:<group>/<kind>:<namespace>/<name>".
	const trackingId = annotations['argocd.argoproj.io/tracking-id'];
	if (trackingId !== undefined) {
		return trackingId.split(':')[0] || trackingId;
	}

	const instance = annotations['argocd.argoproj.io/instance'] ?? labels['argocd.argoproj.io/instance'];
	if (instance !== undefined) {
		return instance;
	}

	// The default label tracking uses app.kubernetes.io/instance, which Helm sets too: only trust it next to an Argo CD annotation.
	const commonInstance = labels['app.kubernetes.io/instance'];
	if (commonInstance !== undefined && Object.keys(annotations).some(key => key.startsWith('argocd.argoproj.io/'))) {
		return commonInstance;
	}

	return undefined;
}

function fluxOwner(labels: Record<string, string>): string | undefined {
	for (const [prefix, kind] of [['kustomize.toolkit.fluxcd.io', 'Kustomization'], ['helm.toolkit.fluxcd.io', 'HelmRelease']] as const) {
		const name = labels[`${prefix}/name`];
		if (name !== undefined) {
			const namespace = labels[`${prefix}/namespace`];
			return `${kind} ${namespace === undefined ? name : `${namespace}/${name}`}`;
		}
	}

	return undefined;
}

/**
 * GitOps ownership: Argo CD (label app.kubernetes.io/instance with an argocd.argoproj.io/* annotation, or annotation
 * argocd.argoproj.io/tracking-id, or argocd.argoproj.io/instance) or Flux (labels kustomize.toolkit.fluxcd.io/name,
 * helm.toolkit.fluxcd.io/name) → a warning text, else undefined.
 */
export function gitOpsOwner(vs: VirtualService): GitOpsOwner | undefined {
	const labels = vs.metadata.labels ?? {};
	const annotations = vs.metadata.annotations ?? {};
	const application = argoApplication(labels, annotations);
	if (application !== undefined) {
		return {
			tool: 'Argo CD',
			detail: `Argo CD application ${application} manages this VirtualService: its next sync or self-heal reverts weights changed here; change them in Git for a lasting split`,
		};
	}

	const flux = fluxOwner(labels);
	if (flux !== undefined) {
		return {
			tool: 'Flux',
			detail: `Flux ${flux} manages this VirtualService: its next reconciliation reverts weights changed here; change them in Git for a lasting split`,
		};
	}

	return undefined;
}
