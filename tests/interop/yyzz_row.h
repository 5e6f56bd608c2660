/* yyzz_row.h: one valid data row of the example 营业执照 template
 * (tests/data/license-template-yyzz.xml), shared by issue_licence (ofd.js interop) and
 * bench/bench_license. Its 经营范围 wraps into four lines. */
#ifndef YYZZ_ROW_H
#define YYZZ_ROW_H

#include "sealcore/license.h"

static const sc_lic_kv yyzz_row[] = {
    { "uscc", "91350100M000100Y43" }, { "licence_no", "330100000012345" },
    { "name", "某某科技有限公司" }, { "kind", "有限责任公司（自然人投资或控股）" },
    { "legal_rep", "张三" },
    { "scope", "软件开发；信息技术咨询服务；数据处理和存储支持服务；计算机系统服务；"
               "网络技术服务；人工智能应用软件开发。（依法须经批准的项目，经相关部门批准后方可"
               "开展经营活动）" },
    { "capital", "壹佰万元整" }, { "founded", "2020-01-02" }, { "term_start", "2020-01-02" },
    { "term_end", "长期" }, { "address", "浙江省杭州市西湖区文三路1号" },
    { "issued_on", "2026-03-04" },
};
#define YYZZ_ROW_LEN (sizeof(yyzz_row) / sizeof(yyzz_row[0]))
#define YYZZ_LICENCE_NO 1   /* the index of licence_no */

#endif
