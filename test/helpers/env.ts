/** Sets an environment variable for a test and returns the function that puts the old value (or its absence) back. */
export function setEnv(name: string, value: string): () => void {
	const saved = process.env[name];
	process.env[name] = value;
	return () => {
		if (saved === undefined) {
			Reflect.deleteProperty(process.env, name);
		} else {
			process.env[name] = saved;
		}
	};
}
