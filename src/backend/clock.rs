//! `CURRENT_TIME`, `CURRENT_DATE` and `CURRENT_TIMESTAMP` for the WebAssembly build.
//!
//! That build compiles SQLite without its date and time functions (`SQLITE_OMIT_DATETIME_FUNCS`,
//! see `.cargo/config.toml`: about 5 KB of the gzipped module). SQLite then still evaluates the
//! three `CURRENT_*` keywords, so that `DEFAULT CURRENT_TIMESTAMP` columns keep working, but
//! through the C library's `gmtime` and `strftime`, which `sqlite-wasm-rs`'s small libc does not
//! provide. They are supplied here, for exactly the three formats SQLite passes.
//!
//! The conversion itself is plain safe Rust ([`utc`], [`format`]) so that the native test suite
//! can check it against SQLite's own `datetime()`; only the two C entry points are `unsafe`.

/// Broken-down UTC time: year, month (1–12), day (1–31), hour, minute, second, weekday (0 =
/// Sunday) and day of the year (0–365).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utc {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub weekday: u32,
    pub yearday: u32,
}

/// Seconds since 1970-01-01 00:00:00 UTC as a proleptic Gregorian date and time.
pub fn utc(t: i64) -> Utc {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400) as u32);
    // Days to civil date, counting in 400-year eras from 0000-03-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    const BEFORE_MONTH: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yearday = BEFORE_MONTH[month as usize - 1] + day - 1 + u32::from(leap && month > 2);
    Utc {
        year,
        month,
        day,
        hour: secs / 3_600,
        minute: secs / 60 % 60,
        second: secs % 60,
        weekday: (days + 4).rem_euclid(7) as u32,
        yearday,
    }
}

/// `fmt` with `%Y %m %d %H %M %S %%` expanded from `tm` into `out`, as C's `strftime` does.
/// `None` for any other conversion, or when the text and its NUL do not fit in `out`.
pub fn format(fmt: &[u8], tm: &Utc, out: &mut [u8]) -> Option<usize> {
    let mut n = 0;
    let mut put = |b: u8| -> Option<()> {
        // Keep one byte for the terminating NUL.
        if n + 1 >= out.len() {
            return None;
        }
        out[n] = b;
        n += 1;
        Some(())
    };
    let two = |v: u32, put: &mut dyn FnMut(u8) -> Option<()>| -> Option<()> {
        put(b'0' + (v / 10 % 10) as u8)?;
        put(b'0' + (v % 10) as u8)
    };
    let mut bytes = fmt.iter();
    while let Some(&b) = bytes.next() {
        if b != b'%' {
            put(b)?;
            continue;
        }
        match bytes.next()? {
            b'Y' => {
                let mut digits = [0u8; 20];
                let (mut v, mut len) = (tm.year.unsigned_abs(), 0);
                while v > 0 || len < 4 {
                    digits[len] = b'0' + (v % 10) as u8;
                    v /= 10;
                    len += 1;
                }
                if tm.year < 0 {
                    put(b'-')?;
                }
                for &d in digits[..len].iter().rev() {
                    put(d)?;
                }
            }
            b'm' => two(tm.month, &mut put)?,
            b'd' => two(tm.day, &mut put)?,
            b'H' => two(tm.hour, &mut put)?,
            b'M' => two(tm.minute, &mut put)?,
            b'S' => two(tm.second, &mut put)?,
            b'%' => put(b'%')?,
            _ => return None,
        }
    }
    out[n] = 0;
    Some(n)
}

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod c_abi {
    use std::ffi::{c_char, c_int, c_long};
    use std::ptr::{addr_of_mut, null_mut};

    use super::{format, utc, Utc};

    /// musl's `struct tm` (the layout `sqlite-wasm-rs`'s libc headers declare).
    #[repr(C)]
    pub struct Tm {
        tm_sec: c_int,
        tm_min: c_int,
        tm_hour: c_int,
        tm_mday: c_int,
        tm_mon: c_int,
        tm_year: c_int,
        tm_wday: c_int,
        tm_yday: c_int,
        tm_isdst: c_int,
        tm_gmtoff: c_long,
        tm_zone: *const c_char,
    }

    /// `gmtime`'s one static result, as in C (SQLite copies it out at once; wasm32 has no threads).
    static mut LAST: Tm = Tm {
        tm_sec: 0,
        tm_min: 0,
        tm_hour: 0,
        tm_mday: 0,
        tm_mon: 0,
        tm_year: 0,
        tm_wday: 0,
        tm_yday: 0,
        tm_isdst: 0,
        tm_gmtoff: 0,
        tm_zone: c"UTC".as_ptr(),
    };

    /// C's `gmtime`: NULL for a NULL pointer or a year that does not fit `tm_year`.
    ///
    /// # Safety
    /// `t` is NULL or points to a readable `time_t` (64-bit on wasm32).
    #[no_mangle]
    pub unsafe extern "C" fn gmtime(t: *const i64) -> *mut Tm {
        // SAFETY: the caller passes NULL or a valid pointer.
        let Some(&t) = (unsafe { t.as_ref() }) else { return null_mut() };
        let u = utc(t);
        let Ok(year) = c_int::try_from(u.year - 1900) else { return null_mut() };
        let tm = Tm {
            tm_sec: u.second as c_int,
            tm_min: u.minute as c_int,
            tm_hour: u.hour as c_int,
            tm_mday: u.day as c_int,
            tm_mon: u.month as c_int - 1,
            tm_year: year,
            tm_wday: u.weekday as c_int,
            tm_yday: u.yearday as c_int,
            tm_isdst: 0,
            tm_gmtoff: 0,
            tm_zone: c"UTC".as_ptr(),
        };
        let last = addr_of_mut!(LAST);
        // SAFETY: single-threaded target; nothing else holds a reference into LAST.
        unsafe { last.write(tm) };
        last
    }

    /// C's `strftime` for `%Y %m %d %H %M %S %%`: the length written (without the NUL), or 0
    /// when it does not fit or the format holds another conversion.
    ///
    /// # Safety
    /// `buf` is writable for `max` bytes, `fmt` is NUL-terminated and `tm` points to a `Tm`.
    #[no_mangle]
    pub unsafe extern "C" fn strftime(buf: *mut c_char, max: usize, fmt: *const c_char, tm: *const Tm) -> usize {
        if buf.is_null() || fmt.is_null() || max == 0 {
            return 0;
        }
        // SAFETY: the caller's contract above.
        let (out, fmt, tm) = unsafe {
            (std::slice::from_raw_parts_mut(buf.cast::<u8>(), max), std::ffi::CStr::from_ptr(fmt).to_bytes(), &*tm)
        };
        let fields = Utc {
            year: i64::from(tm.tm_year) + 1900,
            month: (tm.tm_mon + 1) as u32,
            day: tm.tm_mday as u32,
            hour: tm.tm_hour as u32,
            minute: tm.tm_min as u32,
            second: tm.tm_sec as u32,
            weekday: tm.tm_wday as u32,
            yearday: tm.tm_yday as u32,
        };
        format(fmt, &fields, out).unwrap_or_else(|| {
            out[0] = 0;
            0
        })
    }
}

// SQLite's date functions (the oracle) exist only in the native build.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::{format, utc};

    fn show(t: i64) -> String {
        let mut out = [0u8; 40];
        let n = format(b"%Y-%m-%d %H:%M:%S", &utc(t), &mut out).expect("fits");
        String::from_utf8(out[..n].to_vec()).unwrap()
    }

    /// SQLite's own date arithmetic is the oracle: every format SQLite asks for, over dates from
    /// year 0 to 9999 (leap days, century rules, negative times) and a dense run around now.
    #[test]
    fn matches_sqlite_datetime_over_ten_millennia() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let mut stmt = db
            .prepare("SELECT datetime(?1, 'unixepoch'), date(?1, 'unixepoch'), time(?1, 'unixepoch'), strftime('%w %j', ?1, 'unixepoch')")
            .unwrap();
        let (min, max) = (-62_167_219_200_i64, 253_402_300_799_i64); // 0000-01-01 .. 9999-12-31 23:59:59
        let mut t = min;
        let mut checked = 0;
        while t <= max {
            for probe in [t, t + 86_399, 1_700_000_000 + (t - min) % 5_000_000] {
                let (dt, d, tm, wj): (String, String, String, String) =
                    stmt.query_row([probe], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap();
                let u = utc(probe);
                let mut out = [0u8; 20];
                let n = format(b"%Y-%m-%d", &u, &mut out).unwrap();
                assert_eq!(&out[..n], d.as_bytes(), "date of {probe}");
                let n = format(b"%H:%M:%S", &u, &mut out).unwrap();
                assert_eq!(&out[..n], tm.as_bytes(), "time of {probe}");
                assert_eq!(show(probe), dt, "datetime of {probe}");
                assert_eq!(format!("{} {:03}", u.weekday, u.yearday + 1), wj, "weekday/yearday of {probe}");
                checked += 1;
            }
            t += 7_777_777; // about 90 days: walks through every month and weekday
        }
        assert!(checked > 120_000, "{checked}");
    }

    #[test]
    fn refuses_what_c_would_not_write() {
        let tm = utc(0);
        let mut small = [0u8; 19]; // "1970-01-01 00:00:00" is 19 bytes, plus the NUL
        assert_eq!(format(b"%Y-%m-%d %H:%M:%S", &tm, &mut small), None);
        let mut out = [0u8; 20];
        assert_eq!(format(b"%Y-%m-%d %H:%M:%S", &tm, &mut out), Some(19));
        assert_eq!(out[19], 0);
        assert_eq!(format(b"%a", &tm, &mut out), None, "only the conversions SQLite uses");
        assert_eq!(format(b"100%%", &tm, &mut out), Some(4));
        assert_eq!(&out[..4], b"100%");
        assert_eq!(show(-1), "1969-12-31 23:59:59");
        assert_eq!(show(951_782_400), "2000-02-29 00:00:00");
    }
}
