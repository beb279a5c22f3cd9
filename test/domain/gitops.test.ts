import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {gitOpsOwner, type VirtualService} from '../../source/domain/virtual-service.js';

function vs(labels?: Record<string, string>, annotations?: Record<string, string>): VirtualService {
	return {apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'reviews', namespace: 'bookinfo', labels, annotations}, spec: {}};
}

describe('gitOpsOwner', () => {
	test('Argo CD annotation tracking names the application', () => {
		const owner = gitOpsOwner(vs(undefined, {'argocd.argoproj.io/tracking-id': 'bookinfo-prod:networking.istio.io/VirtualService:bookinfo/reviews'}));
		assert.equal(owner?.tool, 'Argo CD');
		assert.match(owner?.detail ?? '', /^Argo CD application bookinfo-prod manages this VirtualService: .*revert/);
	});

	test('Argo CD instance label or annotation', () => {
		assert.match(gitOpsOwner(vs({'argocd.argoproj.io/instance': 'mesh'}))?.detail ?? '', /application mesh /);
		assert.match(gitOpsOwner(vs(undefined, {'argocd.argoproj.io/instance': 'mesh2'}))?.detail ?? '', /application mesh2 /);
	});

	test('app.kubernetes.io/instance counts only next to an Argo CD annotation (Helm sets it too)', () => {
		assert.equal(gitOpsOwner(vs({'app.kubernetes.io/instance': 'reviews'})), undefined);
		const owner = gitOpsOwner(vs({'app.kubernetes.io/instance': 'reviews-app'}, {'argocd.argoproj.io/sync-wave': '2'}));
		assert.equal(owner?.tool, 'Argo CD');
		assert.match(owner?.detail ?? '', /application reviews-app /);
	});

	test('Flux Kustomization and HelmRelease', () => {
		const kustomization = gitOpsOwner(vs({'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system'}));
		assert.equal(kustomization?.tool, 'Flux');
		assert.match(kustomization?.detail ?? '', /^Flux Kustomization flux-system\/apps manages this VirtualService: .*revert/);
		assert.match(gitOpsOwner(vs({'helm.toolkit.fluxcd.io/name': 'bookinfo'}))?.detail ?? '', /^Flux HelmRelease bookinfo /);
	});

	test('no owner', () => {
		assert.equal(gitOpsOwner(vs()), undefined);
		assert.equal(gitOpsOwner(vs({app: 'reviews'}, {'kubectl.kubernetes.io/last-applied-configuration': '{}'})), undefined);
	});
});
