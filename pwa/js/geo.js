// Where the phone is: one GPS fix with its accuracy (metres), or a reason code the screens can translate.

export function locate({ timeoutMs = 20_000, maxAgeMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(Object.assign(new Error('unsupported'), { code: 'unsupported' }));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy, at: p.timestamp }),
      (e) => reject(Object.assign(new Error(e.message), { code: { 1: 'denied', 2: 'unavailable', 3: 'timeout' }[e.code] || 'unavailable' })),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: maxAgeMs },
    );
  });
}
